// The docker executor's bridge mode at the Engine-API level: this machine's dockerd runs with
// --bridge=none, so what would be sent to the engine is recorded by a fake of the small
// DockerApi interface (the only fake here; host mode runs against the real engine in
// test/e2e/cli-run-docker.test.ts). A real job goes through runJob against a tiny HTTP server.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CoordinatorClient } from '../network/coordinator-client.js';
import { decodeJobPayload } from '../network/job-payload.js';
import { tinyServer } from '../test-support/tiny-server.js';
import { runJob } from '../job/run-job.js';
import { dockerExecutor, type DockerExecutorOptions } from './docker-executor.js';
import type { ContainerCreateOptions, DockerApi, NetworkCreateOptions } from './docker-api.js';
import { LABEL_JOB, LABEL_RUNNER } from './labels.js';

type Call = [string, ...unknown[]];

function recordingApi(images: Record<string, string[]>, shell = 'sh'): { api: DockerApi; calls: Call[]; scripts: string[] } {
  const calls: Call[] = [];
  const scripts: string[] = [];
  const containers = new Map<string, ContainerCreateOptions>();
  let n = 0;
  const api: DockerApi = {
    async ping() {},
    async inspectImage(name) {
      calls.push(['inspectImage', name]);
      return name in images ? { id: `sha256:${name}`, exposedPorts: images[name] } : null;
    },
    async pullImage(ref) {
      calls.push(['pullImage', ref]);
      throw new Error('no registry');
    },
    async createContainer(o) {
      const id = `c${++n}`;
      containers.set(id, o);
      calls.push(['createContainer', o]);
      return id;
    },
    async startContainer(id) {
      calls.push(['startContainer', id]);
    },
    async attachOutput(id, onOutput) {
      const cmd = (containers.get(id)!.Cmd ?? []).join(' ');
      if (cmd.includes('command -v bash')) onOutput(Buffer.from(`gcd-shell=${shell}\n`));
      const file = containers.get(id)!.Cmd?.[1];
      if (file?.endsWith('.sh')) scripts.push(readFileSync(file, 'utf8'));
      return { ended: Promise.resolve() };
    },
    async waitContainer() {
      return 0;
    },
    async inspectContainer() {
      return { running: true, exitCode: 0, addresses: {} };
    },
    async killContainer(id) {
      calls.push(['killContainer', id]);
    },
    async removeContainer(id) {
      calls.push(['removeContainer', id]);
    },
    async listContainers(labels) {
      calls.push(['listContainers', labels]);
      return [];
    },
    async createNetwork(o: NetworkCreateOptions) {
      calls.push(['createNetwork', o]);
      return 'net1';
    },
    async removeNetwork(id) {
      calls.push(['removeNetwork', id]);
    },
    async listNetworks(labels) {
      calls.push(['listNetworks', labels]);
      return ['net1'];
    },
  };
  return { api, calls, scripts };
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function runWith(opts: Omit<DockerExecutorOptions, 'runnerToken'>, payload: object) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-docker-unit-'));
  const s = await tinyServer((_req, res) => void res.writeHead(_req.method === 'PATCH' ? 202 : 200).end());
  const client = new CoordinatorClient({ url: s.url });
  cleanup.push(s.close, () => client.close(), () => rm(dir, { recursive: true, force: true }));
  const job = decodeJobPayload(
    JSON.stringify({
      id: 7,
      token: 'jt-7',
      git_info: { repo_url: 'http://gitlab-ci-token:jt-7@h/g/p.git', sha: '0123456789abcdef', ref: 'main' },
      variables: [
        { key: 'GIT_STRATEGY', value: 'none' },
        { key: 'MY_VAR', value: 'my value' },
      ],
      steps: [{ name: 'script', script: ['echo hi'] }],
      features: { trace_sections: false, failure_reasons: ['script_failure', 'runner_system_failure', 'image_pull_failure'] },
      ...payload,
    }),
  );
  const executor = dockerExecutor({ ...opts, runnerToken: 'glrt-abcdefgh1234' });
  const outcome = await runJob({ client, job, executor, runnerToken: 'glrt-abcdefgh1234', buildsDir: path.join(dir, 'b'), cacheDir: path.join(dir, 'c'), slot: 0, projectSlot: 0, trace: { finalIntervalMs: 5 } });
  const trace = Buffer.concat(s.requests.filter((r) => r.method === 'PATCH').map((r) => r.body)).toString();
  return { outcome, trace, dir };
}

describe('docker executor, bridge network mode (API calls)', () => {
  it('creates a labelled network per job, services with their aliases on it, and the build container on it', async () => {
    const { api, calls } = recordingApi({ 'alpine:3.20': [], 'postgres:15': ['5432/tcp'], 'tutum/wordpress': [] });
    const { outcome } = await runWith(
      { api, networkMode: 'bridge', pullPolicy: ['if-not-present'], waitForServicesTimeoutS: 0 },
      {
        image: { name: 'alpine:3.20' },
        services: [
          { name: 'postgres:15', variables: [{ key: 'POSTGRES_PASSWORD', value: 'pw' }] },
          { name: 'tutum/wordpress', alias: 'wp, blog', command: ['serve', '--port', '80'], entrypoint: ['/init'] },
        ],
      },
    );
    expect(outcome.state).toBe('success');
    const labels = { [LABEL_RUNNER]: 'abcdefgh', [LABEL_JOB]: '7' };
    const net = calls.find((c) => c[0] === 'createNetwork')![1] as NetworkCreateOptions;
    expect(net).toMatchObject({ Driver: 'bridge', Labels: expect.objectContaining(labels) });
    expect(net.Name).toMatch(/^runner-abcdefgh-job-7-network-[0-9a-f]{6}$/);
    const created = calls.filter((c) => c[0] === 'createContainer').map((c) => c[1] as ContainerCreateOptions);
    const [pg, wp, probe, build] = created;
    expect(pg).toMatchObject({
      Image: 'sha256:postgres:15',
      Labels: expect.objectContaining({ ...labels, 'gitlab-ci-dispatcher.type': 'service' }),
      HostConfig: { NetworkMode: net.Name },
      NetworkingConfig: { EndpointsConfig: { [net.Name!]: { Aliases: ['postgres'] } } },
    });
    expect(pg.Env).toEqual(expect.arrayContaining(['MY_VAR=my value', 'POSTGRES_PASSWORD=pw']));
    expect(wp).toMatchObject({
      Cmd: ['serve', '--port', '80'],
      Entrypoint: ['/init'],
      NetworkingConfig: { EndpointsConfig: { [net.Name!]: { Aliases: ['tutum__wordpress', 'tutum-wordpress', 'wp', 'blog'] } } },
    });
    expect(probe.Cmd?.join(' ')).toContain('command -v bash');
    expect(build).toMatchObject({
      Image: 'sha256:alpine:3.20',
      Labels: expect.objectContaining({ ...labels, 'gitlab-ci-dispatcher.type': 'build' }),
      HostConfig: { NetworkMode: net.Name },
    });
    expect(build.HostConfig!.ExtraHosts).toBeUndefined();
    expect(build.Cmd![0]).toBe('sh');
    expect(build.Cmd![1]).toMatch(/\.tmp\/step_script\.sh$/);
    expect(build.Env).toContain('MY_VAR=my value');
    // same paths inside as outside
    const binds = build.HostConfig!.Binds!;
    expect(binds.every((b) => b.split(':')[0] === b.split(':')[1])).toBe(true);
    // the job's objects are removed at the end: containers, then the network
    expect(calls.filter((c) => c[0] === 'startContainer').length).toBe(4);
    expect(calls.filter((c) => c[0] === 'removeContainer').length).toBeGreaterThanOrEqual(2);
    expect(calls).toContainEqual(['listNetworks', labels]);
    expect(calls).toContainEqual(['removeNetwork', 'net1']);
    expect(calls.some((c) => c[0] === 'pullImage')).toBe(false);
  });

  it('host mode: no network is created; service names resolve to 127.0.0.1 through ExtraHosts', async () => {
    const { api, calls } = recordingApi({ 'alpine:3.20': [], 'tutum/wordpress:5': [] });
    await runWith(
      { api, networkMode: 'host', pullPolicy: ['never'] },
      { image: { name: 'alpine:3.20', entrypoint: [''], executor_opts: { docker: { user: '1000:1000' } } }, services: [{ name: 'tutum/wordpress:5', alias: 'wp' }] },
    );
    expect(calls.some((c) => c[0] === 'createNetwork')).toBe(false);
    const created = calls.filter((c) => c[0] === 'createContainer').map((c) => c[1] as ContainerCreateOptions);
    expect(created[0].HostConfig?.NetworkMode).toBe('host');
    expect(created[0].NetworkingConfig).toBeUndefined();
    expect(created.at(-1)!.HostConfig?.ExtraHosts).toEqual(['tutum__wordpress:127.0.0.1', 'tutum-wordpress:127.0.0.1', 'wp:127.0.0.1']);
    // image:entrypoint and image:docker:user reach the job's containers (the probe too), not the services
    expect(created.at(-1)).toMatchObject({ Entrypoint: [''], User: '1000:1000', HostConfig: { NetworkMode: 'host' } });
    expect(created[0].Entrypoint).toBeUndefined();
    expect(created[0].User).toBeUndefined();
  });

  it('the step script follows the probed shell: POSIX sh, or bash with its own quoting', async () => {
    const sh = recordingApi({ 'busybox:1': [] }, 'sh');
    await runWith({ api: sh.api, image: 'busybox:1', networkMode: 'host', pullPolicy: ['never'] }, {});
    expect(sh.scripts[0]).toMatch(/^set -e\nif \(set -o pipefail\) 2>\/dev\/null; then set -o pipefail; fi\n/);
    expect(sh.scripts[0]).not.toContain("$'");
    const bash = recordingApi({ 'debian:12': [] }, 'bash');
    await runWith({ api: bash.api, image: 'debian:12', networkMode: 'host', pullPolicy: ['never'] }, {});
    expect(bash.scripts[0]).toMatch(/^set -eo pipefail\n/);
    const build = bash.calls.filter((c) => c[0] === 'createContainer').map((c) => c[1] as ContainerCreateOptions).at(-1)!;
    expect(build.Cmd![0]).toBe('bash');
  });

  it('the runner default image for a job without image:, and its absence fails the job', async () => {
    const { api, calls } = recordingApi({ 'busybox:1': [] });
    const ok = await runWith({ api, image: 'busybox:1', networkMode: 'host', pullPolicy: ['if-not-present'] }, {});
    expect(ok.outcome.state).toBe('success');
    expect(ok.trace).toContain('Using Docker executor with image busybox:1 ...');
    expect(calls).toContainEqual(['inspectImage', 'busybox:1']);
    const none = await runWith({ api, networkMode: 'host' }, {});
    expect(none.outcome).toMatchObject({ state: 'failed', reason: 'runner_configuration_error' });
  });

  it('a pull_policy the runner does not allow fails the job before anything is created', async () => {
    const { api, calls } = recordingApi({ 'alpine:3.20': [] });
    const r = await runWith({ api, networkMode: 'host', pullPolicy: ['always'] }, { image: { name: 'alpine:3.20', pull_policy: ['never'] } });
    expect(r.outcome.state).toBe('failed');
    expect(r.trace).toContain("pull_policy ([never]) defined in GitLab pipeline config is not one of the allowed_pull_policies ([always])");
    expect(calls.some((c) => c[0] === 'createContainer')).toBe(false);
  });
});
