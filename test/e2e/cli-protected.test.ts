// `protected list|add|remove` against a real `serve` process, and what it changes for jobs a
// real (built-in) runner runs: a protected variable and CI_COMMIT_REF_PROTECTED reach pipelines of
// the default branch and of tags matched by a protected-tag rule, and no others.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRunner } from '../../src/runner/index.js';
import { createRunnerToken, freePort, startServe, type ServeProcess } from '../support/dispatcher-process.js';
import { runCli } from '../support/run-cli.js';

const work = mkdtempSync(path.join(tmpdir(), 'gcd-cli-protected-'));
let serve: ServeProcess;
let token = '';
let runner: ReturnType<typeof createRunner> | null = null;

const run = (args: string[]) => runCli([...args, '--url', serve.url, '--token', token]);
const cli = async (args: string[]) => {
  const r = await run(args);
  if (r.code !== 0) throw new Error(`${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
};
const cliJson = async <T = unknown>(args: string[]): Promise<T> => JSON.parse(await cli([...args, '--json']));

beforeAll(async () => {
  serve = await startServe({ dataDir: path.join(work, 'data'), port: await freePort(), longPollSeconds: 2, tokensWaitMs: Infinity });
  token = serve.adminToken!;
});

afterAll(async () => {
  await runner?.stop({ abort: true }).catch(() => undefined);
  await serve?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('protected list|add|remove over a real server', () => {
  it('rules decide which pipelines get protected variables and CI_COMMIT_REF_PROTECTED', async () => {
    const dir = path.join(work, 'app');
    mkdirSync(dir);
    // GIT_STRATEGY none: a tarball upload with --tag stores the commit under refs/heads/<tag>, so
    // a fetch of refs/tags/v1 would fail (intake, not protection); the job needs no source here.
    writeFileSync(path.join(dir, '.gitlab-ci.yml'), 'show:\n  variables: { GIT_STRATEGY: none }\n  script:\n    - echo "KEY=[$DEPLOY_KEY] PROTECTED=$CI_COMMIT_REF_PROTECTED"\n');
    // pipelines and logs over plain HTTP (the commands under test here are `protected` and `variables`)
    const api = async <T>(route: string, init: RequestInit = {}): Promise<T> => {
      const res = await fetch(`${serve.url}/api/ui${route}`, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });
      if (!res.ok) throw new Error(`${route} -> ${res.status}: ${await res.text()}`);
      return (res.headers.get('content-type')?.startsWith('application/json') ? res.json() : res.text()) as Promise<T>;
    };
    const tarball = path.join(work, 'app.tar.gz');
    const create = async (ref: string, tag: boolean) => {
      if (spawnSync('tar', ['-czf', tarball, '-C', dir, '.']).status !== 0) throw new Error('tar failed');
      const query = `project=team%2Fapp&ref=${encodeURIComponent(ref)}${tag ? '&tag=1' : ''}`;
      const body = await readFile(tarball);
      return (await api<{ pipeline: { id: number; protected: boolean } }>(`/pipelines?${query}`, { method: 'POST', headers: { 'content-type': 'application/gzip' }, body })).pipeline;
    };

    const missing = await run(['protected', 'list', '--project', 'team/app']);
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringMatching(/404/)]);
    const tagBefore = await create('v1', true);
    expect(await cli(['protected', 'list', '--project', 'team/app'])).toMatch(/^KIND\s+NAME\nbranch\s+main\n$/);
    await cli(['variables', 'set', 'DEPLOY_KEY', 'deploy-key-value', '--protected', '--project', 'team/app']);

    expect(await cli(['protected', 'add', '--project', 'team/app', '--tag', 'v*'])).toBe('Protected tag v*\n');
    const dup = await run(['protected', 'add', '--project', 'team/app', '--tag', 'v*']);
    expect([dup.code, dup.stderr]).toEqual([1, expect.stringMatching(/409: protected tag 'v\*' already exists/)]);
    const both = await run(['protected', 'add', '--project', 'team/app', '--tag', 'x', '--branch', 'y']);
    expect([both.code, both.stderr]).toEqual([2, expect.stringMatching(/exactly one of --branch PATTERN or --tag PATTERN/)]);
    const badToken = await runCli(['protected', 'add', '--project', 'team/app', '--branch', 'x', '--url', serve.url, '--token', 'gcd-admin-nope']);
    expect([badToken.code, badToken.stderr]).toEqual([1, expect.stringMatching(/401/)]);

    const tagAfter = await create('v1', true);
    const main = await create('main', false);
    const feature = await create('feature', false);
    expect([tagBefore.protected, tagAfter.protected, main.protected, feature.protected]).toEqual([false, true, true, false]);

    runner = createRunner({ url: serve.url, token: await createRunnerToken(serve.url, token), concurrency: 2, buildsDir: path.join(work, 'builds'), cacheDir: path.join(work, 'cache') });
    runner.start();
    const logOf = async (pipelineId: number): Promise<string> => {
      for (let i = 0; i < 600; i++) {
        const d = await api<{ pipeline: { status: string }; jobs: { id: number }[] }>(`/pipelines/${pipelineId}`);
        const log = () => api<string>(`/jobs/${d.jobs[0].id}/trace`);
        if (d.pipeline.status === 'success') return log();
        if (['failed', 'canceled'].includes(d.pipeline.status)) throw new Error(`pipeline ${pipelineId} ${d.pipeline.status}: ${await log()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`pipeline ${pipelineId} did not finish`);
    };
    const lines = [];
    for (const p of [tagBefore, tagAfter, main, feature]) lines.push(/KEY=\[.*\] PROTECTED=\w+/.exec(await logOf(p.id))?.[0]);
    console.log(`[cli-protected] ${lines.join(' | ')}`);
    expect(lines).toEqual([
      'KEY=[] PROTECTED=false', // tag v1 before the rule
      'KEY=[deploy-key-value] PROTECTED=true', // tag v1 under 'v*'
      'KEY=[deploy-key-value] PROTECTED=true', // the default branch
      'KEY=[] PROTECTED=false', // another branch
    ]);

    expect(await cli(['protected', 'remove', '--project', 'team/app', '--tag', 'v*'])).toBe('Unprotected tag v*\n');
    expect(await cli(['protected', 'remove', '--project', 'team/app', '--branch', 'main'])).toBe('Unprotected branch main\n');
    expect(await cli(['protected', 'list', '--project', 'team/app'])).toBe('No protected branches or tags\n');
    await cli(['protected', 'add', '--project', 'team/app', '--branch', 'release/*']);
    expect(await cliJson<{ kind: string; name: string }[]>(['protected', 'list', '--project', 'team/app'])).toEqual([expect.objectContaining({ kind: 'branch', name: 'release/*' })]);
    expect((await create('main', false)).protected).toBe(false);
    expect((await create('release/1.0', false)).protected).toBe(true);
    const gone = await run(['protected', 'remove', '--project', 'team/app', '--tag', 'v*']);
    expect([gone.code, gone.stderr]).toEqual([1, expect.stringMatching(/404/)]);
  }, 240_000);
});
