// get_sources with the real git against file:// bare repositories: fetch into an existing
// worktree, clone from scratch, refspecs + depth, submodules.
import { execFileSync, spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJobPayload } from '../network/job-payload.js';
import { resolveVariables, v } from '../job/job-variables.js';
import { JobTrace } from '../trace/job-trace.js';
import { getSources, localRepoFor, remoteUrls } from './git-sources.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'protocol.file.allow=always', ...args], { cwd, encoding: 'utf8' }).trim();

describe('getSources (real git, file:// remotes)', () => {
  let root: string;
  let bare: string;
  let sha1: string;
  let sha2: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'gcd-git-'));
    const subWork = path.join(root, 'sub-work');
    git(root, 'init', '-q', '-b', 'main', subWork);
    await writeFile(path.join(subWork, 'lib.txt'), 'from submodule\n');
    git(subWork, 'add', '.');
    git(subWork, 'commit', '-qm', 'sub');
    git(root, 'clone', '-q', '--bare', subWork, path.join(root, 'sub.git'));
    const work = path.join(root, 'work');
    git(root, 'init', '-q', '-b', 'main', work);
    await writeFile(path.join(work, 'a.txt'), 'one\n');
    git(work, 'add', '.');
    git(work, 'commit', '-qm', 'c1');
    sha1 = git(work, 'rev-parse', 'HEAD');
    git(work, 'submodule', 'add', '-q', `file://${root}/sub.git`, 'sub');
    await writeFile(path.join(work, 'a.txt'), 'two\n');
    git(work, 'add', '.');
    git(work, 'commit', '-qm', 'c2');
    sha2 = git(work, 'rev-parse', 'HEAD');
    bare = path.join(root, 'repo.git');
    git(root, 'clone', '-q', '--bare', work, bare);
    git(bare, 'update-ref', 'refs/pipelines/7', sha2);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const run = async (projectDir: string, sha: string, vars: [string, string][], depth = 0) => {
    const job = decodeJobPayload(
      JSON.stringify({
        id: 1,
        token: 'jt',
        allow_git_fetch: true,
        git_info: { repo_url: `file://${bare}`, ref: 'main', sha, refspecs: ['+refs/pipelines/7:refs/pipelines/7', '+refs/heads/*:refs/remotes/origin/*'], depth },
      }),
    );
    const resolved = resolveVariables({ runnerBefore: [], job: vars.map(([k, val]) => v(k, val)), runnerAfter: [], jobToken: 'jt', tmpDir: `${projectDir}.tmp` });
    const trace = new JobTrace();
    await getSources({ job, vars: resolved, projectDir, trace, signal: new AbortController().signal, baseEnv: process.env });
    return trace.toString();
  };

  it('fetches, reuses the worktree on fetch, checks out the sha, cleans, and initialises submodules', async () => {
    const dir = path.join(root, 'builds', 'p');
    let log = await run(dir, sha1, []);
    expect(log).toContain('Created fresh repository.');
    // a fresh checkout adds origin: no "error: No such remote 'origin'" from a set-url first
    expect(log).not.toMatch(/No such remote|error:/i);
    expect(await readFile(path.join(dir, 'a.txt'), 'utf8')).toBe('one\n');
    await writeFile(path.join(dir, 'junk'), 'x');
    log = await run(dir, sha2, [['GIT_SUBMODULE_STRATEGY', 'recursive']]);
    expect(log).toContain('Reinitialized existing Git repository');
    expect(log).not.toMatch(/No such remote/);
    expect(log).toContain('Updating/initializing submodules recursively');
    expect(await readFile(path.join(dir, 'a.txt'), 'utf8')).toBe('two\n');
    expect(await readFile(path.join(dir, 'sub', 'lib.txt'), 'utf8')).toBe('from submodule\n');
    await expect(stat(path.join(dir, 'junk'))).rejects.toThrow();
  });

  it('clone with depth gives a shallow repo at the pipeline sha; a bad sha fails', async () => {
    const dir = path.join(root, 'builds', 'q');
    await run(dir, sha2, [['GIT_STRATEGY', 'clone']], 1);
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(sha2);
    expect(git(dir, 'rev-parse', '--is-shallow-repository')).toBe('true');
    await expect(run(dir, 'f'.repeat(40), [])).rejects.toThrow(/git checkout failed/);
  });

  /** git http-backend over `root`, behind a server that answers 401 to any request without the right Basic credentials. */
  async function httpRemote(): Promise<{ port: number; seen: string[]; close: () => void }> {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      const ok = req.headers.authorization === `Basic ${Buffer.from('gitlab-ci-token:tok en/1').toString('base64')}`;
      seen.push(`${req.method} ${ok ? 200 : 401}`);
      if (!ok) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' }).end();
        return;
      }
      const url = new URL(req.url ?? '/', 'http://x');
      const cgi = spawn('git', ['http-backend'], {
        env: { ...process.env, GIT_PROJECT_ROOT: root, GIT_HTTP_EXPORT_ALL: '1', PATH_INFO: url.pathname, QUERY_STRING: url.search.slice(1), REQUEST_METHOD: req.method ?? 'GET', CONTENT_TYPE: req.headers['content-type'] ?? '', GIT_PROTOCOL: String(req.headers['git-protocol'] ?? '') },
      });
      req.pipe(cgi.stdin);
      const out: Buffer[] = [];
      cgi.stdout.on('data', (b: Buffer) => out.push(b));
      cgi.on('close', () => {
        const all = Buffer.concat(out);
        const end = all.indexOf('\r\n\r\n');
        const headers = Object.fromEntries(all.subarray(0, end).toString().split('\r\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
        res.writeHead(Number(String(headers.Status ?? '200').split(' ')[0]), headers).end(all.subarray(end + 4));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { port: (server.address() as { port: number }).port, seen, close: () => server.close() };
  }

  const httpJob = (port: number, repo = 'repo.git') =>
    decodeJobPayload(
      JSON.stringify({
        id: 1,
        token: 'jt',
        allow_git_fetch: true,
        git_info: { repo_url: `http://gitlab-ci-token:tok%20en%2F1@127.0.0.1:${port}/${repo}`, ref: 'main', sha: sha2, refspecs: ['+refs/pipelines/7:refs/pipelines/7', '+refs/heads/main:refs/remotes/origin/main'], depth: 1 },
      }),
    );

  it('over HTTP, sends the job token with the first request of the fetch (no 401 round trip), and stores no credentials', async () => {
    const remote = await httpRemote();
    try {
      const dir = path.join(root, 'builds', 'http');
      const resolved = resolveVariables({ runnerBefore: [], job: [], runnerAfter: [], jobToken: 'jt', tmpDir: `${dir}.tmp` });
      await getSources({ job: httpJob(remote.port), vars: resolved, projectDir: dir, trace: new JobTrace(), signal: new AbortController().signal, baseEnv: process.env });
      expect(git(dir, 'rev-parse', 'HEAD')).toBe(sha2);
      expect(remote.seen.length).toBeGreaterThan(1);
      expect(remote.seen.filter((x) => x.endsWith('401'))).toEqual([]);
      expect(git(dir, 'config', 'remote.origin.url')).toBe(`http://127.0.0.1:${remote.port}/repo.git`);
      expect(await readFile(path.join(dir, '.git', 'config'), 'utf8')).not.toContain('tok');
    } finally {
      remote.close();
    }
  });

  it('with localRepos, fetches a project of the coordinator from its repository path (no HTTP), with the same refs and the HTTP remote stored', async () => {
    const remote = await httpRemote();
    try {
      const localRepos = { url: `http://127.0.0.1:${remote.port}`, dir: root };
      const dir = path.join(root, 'builds', 'local');
      const resolved = resolveVariables({ runnerBefore: [], job: [], runnerAfter: [], jobToken: 'jt', tmpDir: `${dir}.tmp` });
      const trace = new JobTrace();
      await getSources({ job: httpJob(remote.port), vars: resolved, projectDir: dir, trace, signal: new AbortController().signal, baseEnv: process.env, localRepos });
      expect(remote.seen).toEqual([]);
      expect(git(dir, 'rev-parse', 'HEAD')).toBe(sha2);
      expect(git(dir, 'rev-parse', 'refs/pipelines/7', 'refs/remotes/origin/main')).toBe(`${sha2}\n${sha2}`);
      expect(git(dir, 'rev-parse', '--is-shallow-repository')).toBe('true');
      expect(git(dir, 'config', 'remote.origin.url')).toBe(`http://127.0.0.1:${remote.port}/repo.git`);
      expect(trace.toString()).toContain('Fetching changes with git depth set to 1...');

      // a project the directory does not hold goes over HTTP as before
      git(root, 'clone', '-q', '--bare', bare, path.join(root, 'elsewhere', 'other.git'));
      git(path.join(root, 'elsewhere', 'other.git'), 'update-ref', 'refs/pipelines/7', sha2);
      const other = path.join(root, 'builds', 'other');
      const vars = resolveVariables({ runnerBefore: [], job: [], runnerAfter: [], jobToken: 'jt', tmpDir: `${other}.tmp` });
      await getSources({ job: httpJob(remote.port, 'elsewhere/other.git'), vars, projectDir: other, trace: new JobTrace(), signal: new AbortController().signal, baseEnv: process.env, localRepos: { ...localRepos, dir: path.join(root, 'builds') } });
      expect(git(other, 'rev-parse', 'HEAD')).toBe(sha2);
      expect(remote.seen.length).toBeGreaterThan(1);
    } finally {
      remote.close();
    }
  });

  it('maps only URLs under localRepos.url that name a repository inside its directory', async () => {
    const local = { url: 'http://127.0.0.1:9/', dir: root };
    expect(await localRepoFor('http://127.0.0.1:9/repo.git', local)).toBe(bare);
    expect(await localRepoFor('http://127.0.0.1:9/sub.git', { ...local, url: 'http://127.0.0.1:9' })).toBe(path.join(root, 'sub.git'));
    for (const url of ['http://127.0.0.1:10/repo.git', 'http://127.0.0.1:9/missing.git', 'http://127.0.0.1:9/repo', 'http://127.0.0.1:9/x/../repo.git', 'http://127.0.0.1:9//repo.git', 'http://127.0.0.1:9/-x.git']) {
      expect(await localRepoFor(url, local), url).toBeNull();
    }
    expect(await localRepoFor('http://127.0.0.1:9/repo.git', undefined)).toBeNull();
  });

  it('keeps credentials out of the stored remote', () => {
    expect(remoteUrls('http://gitlab-ci-token:secret@h:8080/g/p.git')).toEqual({
      remote: 'http://h:8080/g/p.git',
      rewrite: { from: 'http://h:8080/', to: 'http://gitlab-ci-token:secret@h:8080/', authorization: `Authorization: Basic ${Buffer.from('gitlab-ci-token:secret').toString('base64')}` },
    });
  });
});
