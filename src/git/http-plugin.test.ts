// git smart HTTP against the real coordinator: the runner's fetch (its exact commands, with the
// payload's repo_url, refspecs and depth; protocol v2 and v0), Basic auth with job tokens and the
// 401 challenge, and push with an API token creating the project and reporting each ref.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { job as planJob, planOf } from '../engine/test-support/plan-builder.js';
import { RunnerClient } from '../runner-api/test-support/runner-client.js';
import { startRunnerApiTestServer, type RunnerApiTestServer } from '../runner-api/test-support/start-test-server.js';
import type { JobPayload } from '../runner-api/protocol.js';
import { gitEnv } from './run-git.js';

const exec = promisify(execFile);
const ident = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' };

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await exec('git', args, { cwd, env: gitEnv(ident) });
  return stdout.trim();
}

async function gitFails(cwd: string, ...args: string[]): Promise<string> {
  try {
    await exec('git', args, { cwd, env: gitEnv(ident) });
  } catch (error) {
    return String((error as { stderr?: string }).stderr);
  }
  throw new Error(`git ${args.join(' ')} succeeded`);
}

/** What gitlab-runner's fetch strategy runs (shells/abstract.go), in a fresh directory. */
async function runnerFetch(dir: string, job: JobPayload, protocol = 2): Promise<void> {
  await mkdir(dir, { recursive: true });
  await git(dir, 'init', '-q', dir);
  await git(dir, 'remote', 'add', 'origin', job.git_info.repo_url);
  const depth = job.git_info.depth > 0 ? ['--depth', String(job.git_info.depth)] : [];
  await git(dir, '-c', `protocol.version=${protocol}`, '-c', 'http.userAgent=gitlab-runner 18.5.0 linux/amd64', 'fetch', 'origin', '--no-recurse-submodules', ...job.git_info.refspecs, ...depth, '--prune', '--quiet');
  await git(dir, '-c', 'submodule.recurse=false', 'checkout', '-f', '-q', job.git_info.sha);
}

describe('git smart HTTP', () => {
  let t: RunnerApiTestServer;
  let tmp: string;
  let seq = 0;
  beforeAll(async () => {
    t = await startRunnerApiTestServer({ longPollMs: 300 });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'gcd-git-http-'));
  });
  afterAll(async () => {
    await t.close();
    await rm(tmp, { recursive: true, force: true });
  });

  async function runningJob(files?: Record<string, string>, variables: { key: string; value: string; raw: boolean }[] = []) {
    const tag = `g${++seq}`;
    const { token } = await t.createRunner({ tags: [tag], runUntagged: false });
    const { pipeline, project } = await t.createPipeline(planOf(['test'], [planJob('fetch', { tags: [tag], variables })]), { files });
    const client = new RunnerClient(t.url, token);
    const { job } = await client.requestJob();
    return { job: job!, client, pipeline, project };
  }

  it.each([
    ['from step drivers', '1'],
    ['spawned by the server (GCD_STEP_DRIVER=0)', '0'],
  ])('the runner fetches with the payload repo_url, refspecs and depth (protocol v2 and v0), git %s', async (_, driver) => {
    const saved = process.env.GCD_STEP_DRIVER;
    process.env.GCD_STEP_DRIVER = driver;
    onTestFinished(() => {
      if (saved === undefined) delete process.env.GCD_STEP_DRIVER;
      else process.env.GCD_STEP_DRIVER = saved;
    });
    const { job, pipeline } = await runningJob({ '.gitlab-ci.yml': 'x:\n  script: true\n', 'src/app.txt': 'hello' }, [{ key: 'GIT_DEPTH', value: '1', raw: false }]);
    expect(job.git_info.depth).toBe(1);
    for (const protocol of [2, 0]) {
      const dir = path.join(tmp, `fetch-v${protocol}-${driver}`);
      await runnerFetch(dir, job, protocol);
      expect(await git(dir, 'rev-parse', 'HEAD')).toBe(pipeline.sha);
      expect(await git(dir, 'rev-parse', '--is-shallow-repository')).toBe('true');
      expect(await git(dir, 'rev-parse', `refs/pipelines/${pipeline.id}`)).toBe(pipeline.sha);
      expect(await git(dir, 'rev-parse', 'refs/remotes/origin/main')).toBe(pipeline.sha);
      expect(await git(dir, 'show', 'HEAD:src/app.txt')).toBe('hello');
    }
    // A gzip-encoded request body (git compresses large negotiations) is understood.
    const auth = `Basic ${Buffer.from(`gitlab-ci-token:${job.token}`).toString('base64')}`;
    const lsRefs = gzipSync('0014command=ls-refs\n0001000csymrefs\n0000');
    const gz = await fetch(job.git_info.repo_url.replace(/\/\/[^@]+@/, '//') + '/git-upload-pack', {
      method: 'POST',
      headers: { authorization: auth, 'git-protocol': 'version=2', 'content-type': 'application/x-git-upload-pack-request', 'content-encoding': 'gzip' },
      body: lsRefs,
    });
    expect(gz.status).toBe(200);
    expect(gz.headers.get('content-type')).toBe('application/x-git-upload-pack-result');
    expect(await gz.text()).toContain(`${pipeline.sha} refs/pipelines/${pipeline.id}`);
    // A full clone (depth 0 refspecs) works too.
    const full = { ...job, git_info: { ...job.git_info, depth: 0, refspecs: [`+refs/pipelines/${pipeline.id}:refs/pipelines/${pipeline.id}`, '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*'] } };
    await runnerFetch(path.join(tmp, `full-${driver}`), full);
  });

  it('a large pack arrives whole (upload-pack from a step driver, its output read with backpressure)', async () => {
    const big = randomBytes(24 * 1024 * 1024).toString('base64');
    const { job } = await runningJob({ '.gitlab-ci.yml': 'x:\n  script: true\n', 'big.txt': big });
    const dir = path.join(tmp, 'fetch-big');
    await runnerFetch(dir, job);
    const { stdout } = await exec('git', ['cat-file', '-s', 'HEAD:big.txt'], { cwd: dir });
    expect(Number(stdout.trim())).toBe(big.length);
    expect(await git(dir, 'hash-object', 'big.txt')).toBe(await git(dir, 'rev-parse', 'HEAD:big.txt'));
  }, 60_000);

  it('a v2 advertisement is git\'s own, answered again without a spawn, never without authorization', async () => {
    const { job, client, project } = await runningJob();
    const clean = `${t.url}/${project.path}.git/info/refs?service=git-upload-pack`;
    const auth = { authorization: `Basic ${Buffer.from(`gitlab-ci-token:${job.token}`).toString('base64')}`, 'git-protocol': 'version=2' };
    const repo = t.repos.pathFor(project.path);
    const { stdout: own } = await exec('git', ['upload-pack', '--stateless-rpc', '--advertise-refs', repo], { env: gitEnv({ GIT_PROTOCOL: 'version=2' }), encoding: 'buffer' });
    const first = Buffer.from(await (await fetch(clean, { headers: auth })).arrayBuffer());
    expect(first.toString('latin1')).toBe(own.toString('latin1'));
    // the second answer comes from the cache: git is not asked (a repository it can't read would fail it)
    const config = path.join(repo, 'config');
    const saved = await readFile(config);
    await writeFile(config, '[core]\n\trepositoryformatversion = 99\n');
    try {
      const second = await fetch(clean, { headers: auth });
      expect(second.status).toBe(200);
      expect(second.headers.get('content-type')).toBe('application/x-git-upload-pack-advertisement');
      expect(Buffer.from(await second.arrayBuffer()).toString('latin1')).toBe(own.toString('latin1'));
    } finally {
      await writeFile(config, saved);
    }
    // v0 lists refs: never cached (a new ref shows at once)
    await exec('git', ['update-ref', 'refs/heads/fresh-branch', job.git_info.sha], { cwd: repo });
    const v0 = await (await fetch(clean, { headers: { authorization: auth.authorization } })).text();
    expect(v0).toContain('refs/heads/fresh-branch');
    // the token is checked before the cache: once the job is over, 403
    await client.updateJob(job, { state: 'success' });
    expect((await fetch(clean, { headers: auth })).status).toBe(403);
  });

  it('401 + WWW-Authenticate without credentials; other pipelines and finished jobs are refused', async () => {
    const { job, client, project } = await runningJob();
    const clean = `${t.url}/${project.path}.git`;
    const res = await fetch(`${clean}/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="/);
    expect(await gitFails(tmp, 'ls-remote', clean)).toMatch(/Authentication failed|could not read Username|terminal prompts disabled/i);

    // A running job of another project cannot read this source.
    const other = await runningJob();
    const foreign = `${t.url.replace('http://', `http://gitlab-ci-token:${other.job.token}@`)}/${project.path}.git`;
    expect(await gitFails(tmp, 'ls-remote', foreign)).toMatch(/403/);
    const auth = `Basic ${Buffer.from(`gitlab-ci-token:${other.job.token}`).toString('base64')}`;
    expect((await fetch(`${clean}/info/refs?service=git-upload-pack`, { headers: { authorization: auth } })).status).toBe(403);
    expect((await fetch(`${clean}/git-upload-pack`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-git-upload-pack-request' }, body: '0000' })).status).toBe(403);

    // Its own token works while the job runs, not after.
    expect(await git(tmp, 'ls-remote', job.git_info.repo_url)).toContain('refs/heads/main');
    await client.updateJob(job, { state: 'success' });
    expect(await gitFails(tmp, 'ls-remote', job.git_info.repo_url)).toMatch(/403/);

    // Malformed requests: dumb HTTP, wrong content type, unknown project.
    const mine = await runningJob();
    const mineAuth = `Basic ${Buffer.from(`gitlab-ci-token:${mine.job.token}`).toString('base64')}`;
    const mineUrl = `${t.url}/${mine.project.path}.git`;
    expect((await fetch(`${mineUrl}/info/refs`, { headers: { authorization: mineAuth } })).status).toBe(400);
    expect((await fetch(`${mineUrl}/info/refs?service=git-upload-archive`, { headers: { authorization: mineAuth } })).status).toBe(400);
    expect((await fetch(`${mineUrl}/git-upload-pack`, { method: 'POST', headers: { authorization: mineAuth, 'content-type': 'text/plain' }, body: '0000' })).status).toBe(400);
    expect((await fetch(`${t.url}/no/such-project.git/info/refs?service=git-upload-pack`, { headers: { authorization: mineAuth } })).status).toBe(403);
  });

  it('push with an API token creates the project and reports each branch and tag', async () => {
    const { token: userToken } = await t.coordinator.createApiToken('pusher', 'user');
    const work = path.join(tmp, 'push-work');
    await mkdir(work, { recursive: true });
    await git(work, 'init', '-q', '-b', 'main');
    await writeFile(path.join(work, '.gitlab-ci.yml'), 'job:\n  script: echo pushed\n');
    await git(work, 'add', '-A');
    await git(work, 'commit', '-q', '-m', 'first');
    const first = await git(work, 'rev-parse', 'HEAD');
    const remote = `${t.url.replace('http://', `http://anyone:${userToken}@`)}/team/pushed.git`;
    expect(await t.coordinator.read.projectByPath('team/pushed')).toBeNull();

    // No credentials / a job token cannot push.
    expect(await gitFails(work, 'push', `${t.url}/team/pushed.git`, 'main')).toMatch(/Authentication failed|could not read Username|terminal prompts disabled/i);
    t.pushes.length = 0;
    await git(work, 'push', '-q', remote, 'main');
    const project = await t.coordinator.read.projectByPath('team/pushed');
    expect(project).not.toBeNull();
    expect(t.pushes).toEqual([{ project, ref: 'main', isTag: false, sha: first, beforeSha: '0'.repeat(40), pusher: { tokenId: expect.any(Number), tokenName: expect.any(String), login: 'anyone' } }]);
    expect(await t.repos.resolve('team/pushed', 'refs/heads/main')).toBe(first);

    await writeFile(path.join(work, 'more.txt'), 'more');
    await git(work, 'add', '-A');
    await git(work, 'commit', '-q', '-m', 'second');
    const second = await git(work, 'rev-parse', 'HEAD');
    await git(work, 'tag', '-a', 'v1.0', '-m', 'release');
    t.pushes.length = 0;
    await git(work, 'push', '-q', remote, 'main', 'v1.0');
    expect(t.pushes.map((p) => [p.ref, p.isTag, p.sha, p.beforeSha])).toEqual([
      ['main', false, second, first],
      ['v1.0', true, second, '0'.repeat(40)],
    ]);
    // Deleting a branch creates nothing.
    await git(work, 'push', '-q', remote, 'main:refs/heads/tmp');
    t.pushes.length = 0;
    await git(work, 'push', '-q', remote, ':refs/heads/tmp');
    expect(t.pushes).toEqual([]);

    // A job token is not a push credential.
    const { job } = await runningJob();
    const jobRemote = `${t.url.replace('http://', `http://gitlab-ci-token:${job.token}@`)}/team/pushed.git`;
    expect(await gitFails(work, 'push', jobRemote, 'main:refs/heads/evil')).toMatch(/403/);
    // The API token can clone too.
    await git(tmp, 'clone', '-q', remote, path.join(tmp, 'cloned'));
    expect(await git(path.join(tmp, 'cloned'), 'rev-parse', 'HEAD')).toBe(second);
  });
});
