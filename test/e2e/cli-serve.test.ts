// `serve` and the client commands against it, as a team uses them: a real server process, a
// runner attached over HTTP, a pipeline created by uploading a directory, logs, artifacts,
// actions, runners and variables; SIGTERM ends the server cleanly (exit 0).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../support/run-cli.js';
import { createRunner } from '../../src/runner/index.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(path.join(tmpdir(), 'gcd-cli-serve-'));
const SECRET = 'hunter2-masked-value-991';

let server: ChildProcess;
let url = '';
let adminToken = '';
let registrationToken = '';
let runner: ReturnType<typeof createRunner> | null = null;

const cli = async (args: string[]) => {
  const r = await runCli([...args, '--url', url, '--token', adminToken]);
  if (r.code !== 0) throw new Error(`${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
};
const cliJson = async <T = unknown>(args: string[]): Promise<T> => JSON.parse(await cli([...args, '--json']));

async function waitFor<T>(fn: () => Promise<T | undefined>, what: string, tries = 120): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  server = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(root, 'src', 'cli', 'main.ts'), 'serve', '--data', path.join(work, 'data'), '--port', '0', '--long-poll', '5'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 30_000);
    server.stdout!.on('data', (d) => {
      out += d;
      const u = /listening on (\S+)/.exec(out);
      const a = /admin token:\s+(\S+)/.exec(out);
      const g = /registration token:\s+(\S+)/.exec(out);
      if (u && a && g) {
        [url, adminToken, registrationToken] = [u[1], a[1], g[1]];
        clearTimeout(timer);
        resolve();
      }
    });
    server.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
});

afterAll(async () => {
  await runner?.stop({ abort: true }).catch(() => undefined);
  if (server.exitCode === null) server.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

describe('serve + client commands', () => {
  it('prints the register command with the registration token on first start', () => {
    expect(registrationToken.length).toBeGreaterThan(16);
    expect(adminToken).toMatch(/^gcd-admin-/);
  });

  it('runners create/list/pause and a runner that takes jobs', async () => {
    const created = await cliJson<{ runner: { id: number }; token: string }>(['runners', 'create', '--description', 'e2e runner']);
    expect(created.token).toMatch(/^glrt-/);
    const paused = await cli(['runners', 'pause', String(created.runner.id)]);
    expect(paused).toContain('is paused');
    expect((await cliJson<{ id: number; paused: boolean }[]>(['runners', 'list'])).find((r) => r.id === created.runner.id)?.paused).toBe(true);
    expect(await cli(['runners', 'pause', String(created.runner.id), '--resume'])).toContain('is active');
    runner = createRunner({ url, token: created.token, concurrency: 2, buildsDir: path.join(work, 'builds'), cacheDir: path.join(work, 'cache') });
    runner.start();
  });

  it('variables set/list keep masked values hidden', async () => {
    await cli(['variables', 'set', 'DEPLOY_SECRET', SECRET, '--masked']);
    await cli(['variables', 'set', 'PLAIN_VAR', 'plain-value']);
    const list = await cliJson<{ id: number; key: string; value: string | null }[]>(['variables', 'list']);
    expect(list.find((v) => v.key === 'DEPLOY_SECRET')?.value).toBeNull();
    expect(list.find((v) => v.key === 'PLAIN_VAR')?.value).toBe('plain-value');
    expect(JSON.stringify(list)).not.toContain(SECRET);
    const text = await cli(['variables', 'list']);
    expect(text).not.toContain(SECRET);
    const plain = list.find((v) => v.key === 'PLAIN_VAR')!;
    await cli(['variables', 'delete', String(plain.id)]);
    expect((await cliJson<{ key: string }[]>(['variables', 'list'])).map((v) => v.key)).not.toContain('PLAIN_VAR');
  });

  it('pipeline create --dir, show, job logs, artifacts download, job retry/play, pipeline cancel', async () => {
    const dir = path.join(work, 'app');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'input.txt'), 'uploaded-input-123\n');
    writeFileSync(
      path.join(dir, '.gitlab-ci.yml'),
      `
stages: [build, ship]
build:
  stage: build
  script:
    - cat input.txt > out.txt
    - echo "secret is $DEPLOY_SECRET"
    - echo "var is $FROM_CLI"
  artifacts:
    paths: [out.txt]
ship:
  stage: ship
  when: manual
  script: [echo shipping]
`,
    );
    const created = await cliJson<{ pipeline: { id: number } }>(['pipeline', 'create', '--dir', dir, '--project', 'team/app', '--variable', 'FROM_CLI=cli-value']);
    const id = created.pipeline.id;
    const detail = await waitFor(async () => {
      const d = await cliJson<{ pipeline: { status: string }; jobs: { id: number; name: string; status: string; retried?: boolean }[] }>(['pipeline', 'show', String(id)]);
      return ['manual', 'success', 'failed'].includes(d.pipeline.status) ? d : undefined;
    }, 'the pipeline to finish');
    const build = detail.jobs.find((j) => j.name === 'build')!;
    expect(build.status).toBe('success');

    const log = await cli(['job', 'logs', String(build.id)]);
    expect(log).toContain('var is cli-value');
    expect(log).toContain('secret is [MASKED]');
    expect(log).not.toContain(SECRET);
    const followed = await cli(['job', 'logs', '-f', String(build.id)]);
    expect(followed).toContain('var is cli-value');

    const file = await cli(['artifacts', 'download', String(build.id), '--path', 'out.txt', '-o', '-']);
    expect(file).toBe('uploaded-input-123\n');
    const zip = path.join(work, 'a.zip');
    await cli(['artifacts', 'download', String(build.id), '-o', zip]);

    const listed = await cliJson<{ id: number }[]>(['pipeline', 'list', '--project', 'team/app']);
    expect(listed.map((p) => p.id)).toContain(id);

    const ship = detail.jobs.find((j) => j.name === 'ship')!;
    expect(ship.status).toBe('manual');
    expect(await cli(['job', 'play', String(ship.id)])).toMatch(/is (pending|running|success)/);
    await waitFor(async () => {
      const d = await cliJson<{ pipeline: { status: string } }>(['pipeline', 'show', String(id)]);
      return d.pipeline.status === 'success' ? true : undefined;
    }, 'the pipeline to succeed after play');

    const retried = await cli(['job', 'retry', String(build.id)]);
    expect(retried).toMatch(/Job #\d+ build is/);
    const newId = Number(/Job #(\d+)/.exec(retried)![1]);
    expect(newId).not.toBe(build.id);
    await cli(['pipeline', 'cancel', String(id)]);
    const after = await cliJson<{ jobs: { id: number; status: string }[] }>(['pipeline', 'show', String(id)]);
    expect(['canceled', 'success']).toContain(after.jobs.find((j) => j.id === newId)!.status);
  });

  it('rejects a bad token with a clear message and exit 1', async () => {
    const r = await runCli(['pipeline', 'list', '--url', url, '--token', 'wrong-token']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/401/);
    const usage = await runCli(['job', 'play', '1', '--variable', 'NOEQUALS', '--url', url, '--token', adminToken]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--variable expects K=V, got NOEQUALS');
  });

  it('SIGTERM stops the server cleanly with exit 0', async () => {
    await runner?.stop();
    runner = null;
    const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
