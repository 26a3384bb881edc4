// The Docker stack for real: the Dockerfile built on a stand-in for the official Node image
// (test/support/stack-image.ts, no registry here), compose.yaml started with docker-compose
// (host networking through test/stack/compose.test.yaml: no bridge on this machine), a pipeline
// run by the containerised dispatcher with the built-in runner in a second container, then:
// the job ran as the image's non-root user, the runner registered once across a restart of its
// service, and the stack is gone afterwards (`down -v`, leftovers removed by project label; the
// images stay as the next run's cache, older builds of the test image are pruned by label).
//
// Cold (no cached rootfs or images) ~6 min on 2 busy cores: debootstrap ~75 s, base image ~70 s,
// `npm ci` (better-sqlite3 compiled) and the build ~4 min. Warm ~12 s (unchanged sources) to ~70 s
// (changed sources: tsc and vite again): the rootfs tarball is cached, the base images are kept,
// and docker's layer cache keeps `npm ci` until package-lock.json changes.
// Skipped with a message without Docker (required with GCD_REQUIRE_DOCKER=1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freeHostPort, requireDocker } from '../support/docker-engine.js';
import { dockerClient, ensureNodeBaseImage, hasCommand } from '../support/stack-image.js';
import { createPipelineFromDir, waitForPipelineOver, type PipelineDetailView } from '../support/dispatcher-process.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const IMAGE = 'gcd-test/dispatcher:stack';

async function dockerReady(): Promise<boolean> {
  if (!(await requireDocker('the Docker stack (Dockerfile + compose.yaml)'))) return false;
  const missing = ['docker-compose', 'debootstrap'].filter((c) => !hasCommand(c));
  if (!missing.length) return true;
  if (process.env.GCD_REQUIRE_DOCKER === '1') throw new Error(`the stack test needs ${missing.join(' and ')} (GCD_REQUIRE_DOCKER=1)`);
  console.warn(`[skip] the Docker stack: ${missing.join(' and ')} not installed`);
  return false;
}

const docker = await dockerReady();

describe.skipIf(!docker)('the Docker stack', () => {
  const project = `gcdstack${randomBytes(4).toString('hex')}`;
  const work = mkdtempSync(path.join(tmpdir(), 'gcd-stack-'));
  const registrationToken = randomBytes(20).toString('hex');
  let port = 0;
  let url = '';
  let adminToken = '';
  const timings: string[] = [];
  const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    const out = await fn();
    timings.push(`${what} ${((Date.now() - t) / 1000).toFixed(1)} s`);
    return out;
  };

  const compose = (args: string[], timeoutMs = 120_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const env = {
        ...process.env,
        DOCKER_API_VERSION: '1.41',
        GCD_IMAGE: IMAGE,
        GCD_BASE_IMAGE: 'gcd-test/node-base:bookworm',
        GCD_PORT: String(port),
        GCD_REGISTRATION_TOKEN: registrationToken,
        GCD_EXTERNAL_URL: url,
        GCD_RUNNER_URL: url,
      };
      const all = ['-p', project, '-f', 'compose.yaml', '-f', 'test/stack/compose.test.yaml', ...args];
      execFile('docker-compose', all, { cwd: root, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`docker-compose ${args.join(' ')}: ${error.message}\n${stdout}\n${stderr}`.slice(-6000)));
        else resolve(stdout + stderr);
      });
    });

  const api = async <T>(route: string): Promise<T> => {
    const res = await fetch(`${url}${route}`, { headers: { authorization: `Bearer ${adminToken}` } });
    if (!res.ok) throw new Error(`GET ${route} → ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };
  const trace = async (jobId: number) => (await fetch(`${url}/api/ui/jobs/${jobId}/trace`, { headers: { authorization: `Bearer ${adminToken}` } })).text();
  const runnerConfig = async () => JSON.parse(await compose(['exec', '-T', 'runner', 'cat', '/home/gcd/.gitlab-ci-dispatcher/runner.json'])) as { runners: { id: number; token: string }[] };

  beforeAll(async () => {
    port = await freeHostPort();
    url = `http://127.0.0.1:${port}`;
    await timed('base image', () => ensureNodeBaseImage());
    await timed('dispatcher image', () => compose(['build', 'dispatcher'], 900_000));
    await timed('up (healthy dispatcher, runner started)', () => compose(['up', '-d', 'dispatcher', 'runner'], 180_000));
    for (let i = 0; i < 100 && !adminToken; i++) {
      adminToken = /admin token:\s+(\S+)/.exec(await compose(['logs', '--no-color', 'dispatcher']))?.[1] ?? '';
      if (!adminToken) await new Promise((r) => setTimeout(r, 200));
    }
    if (!adminToken) throw new Error(`no admin token in the dispatcher's log:\n${await compose(['logs', '--no-color'])}`);
  }, 1_200_000);

  afterAll(async () => {
    console.log(`[stack] ${timings.join(', ')}`);
    await compose(['down', '-v', '--remove-orphans', '--timeout', '5']).catch((e: Error) => console.warn(e.message));
    // Whatever compose left (it should leave nothing): by the project label.
    const engine = dockerClient();
    const label = { label: [`com.docker.compose.project=${project}`] };
    const containers = await engine.listContainers({ all: true, filters: label });
    for (const c of containers) await engine.getContainer(c.Id).remove({ force: true, v: true });
    const { Volumes } = await engine.listVolumes({ filters: label });
    for (const v of Volumes ?? []) await engine.getVolume(v.Name).remove();
    const left = (await engine.listContainers({ all: true, filters: label })).length + ((await engine.listVolumes({ filters: label })).Volumes ?? []).length;
    // Earlier builds of the test image, untagged by this one (the current one stays: the cache).
    await engine.pruneImages({ filters: { dangling: ['true'], label: ['gcd-test.stack-image=1'] } });
    if (containers.length || left) console.warn(`[stack] ${containers.length} containers left by compose removed, ${left} remain`);
    rmSync(work, { recursive: true, force: true });
  }, 120_000);

  it('the dispatcher container is healthy, runs as gcd, answers /-/health, /metrics and the UI', async () => {
    const [id] = (await compose(['ps', '-q', 'dispatcher'])).trim().split('\n');
    const info = await dockerClient().getContainer(id).inspect();
    expect(info.State.Health?.Status).toBe('healthy');
    expect(info.Config.User).toBe('gcd');
    // The image's own HEALTHCHECK (compose.yaml repeats it with other timings) passes in there.
    const image = await dockerClient().getImage(IMAGE).inspect();
    const [form, ...check] = image.Config.Healthcheck?.Test ?? [];
    expect(form).toBe('CMD');
    expect(check.join(' ')).toContain('/-/health');
    await compose(['exec', '-T', 'dispatcher', ...check]);
    expect(await (await fetch(`${url}/-/health`)).text()).toBe('GitLab OK');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^gcd_runners\{state="online"\} 1$/m);
    // The web UI built in the image is served (anonymous read is on in compose.yaml).
    const ui = await fetch(`${url}/`);
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('runs a pipeline with the built-in runner container, as a non-root user', async () => {
    const dir = path.join(work, 'repo');
    rmSync(dir, { recursive: true, force: true });
    await import('node:fs').then((fs) => fs.mkdirSync(dir));
    writeFileSync(path.join(dir, '.gitlab-ci.yml'), 'whoami:\n  script:\n    - echo "uid=$(id -u) user=$(id -un)"\n    - test "$(id -u)" != 0\n    - git --version\n');
    const created = await createPipelineFromDir(url, adminToken, { dir, project: 'stack/demo' });
    const done = await timed('pipeline (tar)', () => waitForPipelineOver(() => url, adminToken, created.pipeline.id, 120_000));
    const log = await trace(done.jobs[0].id);
    expect(done.pipeline.status, log).toBe('success');
    expect(log).toMatch(/uid=10001 user=gcd/);
    expect(log).not.toMatch(/uid=0\b/);
  });

  it('the runner registers once: a restart of its service reuses the registration', async () => {
    const before = await runnerConfig();
    expect(before.runners).toHaveLength(1);
    await timed('runner restart', () => compose(['restart', '--timeout', '5', 'runner']));
    const after = await runnerConfig();
    expect(after.runners).toHaveLength(1);
    expect(after.runners[0].id).toBe(before.runners[0].id);
    const runners = await api<{ id: number }[]>('/api/ui/runners');
    expect(runners.map((r) => r.id)).toEqual([before.runners[0].id]);

    // The restarted runner takes the next pipeline, from a real `git push`.
    const dir = path.join(work, 'pushed');
    const git = (...args: string[]) =>
      new Promise<string>((resolve, reject) =>
        execFile('git', args, { cwd: dir, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }, (e, out, err) => (e ? reject(new Error(`git ${args[0]}: ${err}`)) : resolve(out + err))),
      );
    await import('node:fs').then((fs) => fs.mkdirSync(dir));
    writeFileSync(path.join(dir, '.gitlab-ci.yml'), 'again:\n  script:\n    - echo "pushed uid=$(id -u)"\n');
    await git('init', '-q', '-b', 'main');
    await git('add', '.');
    await git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'ci');
    await git('push', '-q', `http://stack:${adminToken}@127.0.0.1:${port}/stack/pushed.git`, 'main');
    let pipeline: PipelineDetailView | undefined;
    for (let i = 0; i < 50 && !pipeline; i++) {
      const list = await api<{ id: number }[]>('/api/ui/pipelines?project=stack/pushed');
      if (list.length) pipeline = await waitForPipelineOver(() => url, adminToken, list[0].id, 120_000);
      else await new Promise((r) => setTimeout(r, 200));
    }
    expect(pipeline?.pipeline.status).toBe('success');
    expect(pipeline!.jobs[0].runnerId).toBe(before.runners[0].id);
    expect(await trace(pipeline!.jobs[0].id)).toMatch(/pushed uid=10001/);
  });
});
