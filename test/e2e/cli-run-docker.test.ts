// `run` with the docker executor against this machine's Docker engine (host networking only:
// its dockerd runs with --bridge=none). Local busybox images (test/support/docker-images.ts),
// no registry. Skipped with a message when no engine answers, unless GCD_REQUIRE_DOCKER=1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../support/run-cli.js';
import { docker, ensureBusyboxImage, labelledContainers, removeLabelledContainers, requireDocker } from '../support/docker-images.js';
import { freeHostPort as freePort } from '../support/docker-engine.js';

const haveDocker = await requireDocker('docker executor e2e (cli run --executor docker)');
const work = mkdtempSync(path.join(tmpdir(), 'gcd-cli-docker-'));
const IMAGE_A = 'gcd-test/busybox-a:latest';
const IMAGE_B = 'gcd-test/busybox-b:latest';
const IMAGE_BASH = 'gcd-test/busybox-bash:latest';

let n = 0;
function project(yaml: string): string {
  const dir = path.join(work, `p${++n}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, '.gitlab-ci.yml'), yaml);
  return dir;
}
/** Every job log of the run in DIR (its data dir's traces). */
function traces(dir: string): string {
  const d = path.join(dir, '.gitlab-ci-dispatcher', 'traces');
  return readdirSync(d).map((f) => readFileSync(path.join(d, f), 'utf8')).join('\n');
}
const summaryOf = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!);
const dockerArgs = ['--executor', 'docker', '--docker-network-mode', 'host', '--docker-image', IMAGE_A];

describe.skipIf(!haveDocker)('run --executor docker', () => {
  let exposedPort = 0;
  let exposedImage = '';
  beforeAll(async () => {
    exposedPort = await freePort();
    exposedImage = `gcd-test/busybox-exposed:p${exposedPort}`;
    await Promise.all([
      ensureBusyboxImage(IMAGE_A),
      ensureBusyboxImage(IMAGE_B, { files: { 'etc/gcd-marker': 'image-b\n', 'www/index.html': 'hello-from-service\n' } }),
      // bash is a shim onto busybox sh: the probe must find it and the steps run with it
      ensureBusyboxImage(IMAGE_BASH, { files: { 'bin/bash': '#!/bin/sh\nexport GCD_VIA_BASH=yes\nexec /bin/sh "$@"\n' }, changes: [] }),
      ensureBusyboxImage(exposedImage, {
        files: { 'www/index.html': 'hello-from-exposed\n' },
        changes: [`EXPOSE ${exposedPort}/tcp`, `CMD ["httpd", "-f", "-p", "${exposedPort}", "-h", "/www"]`],
      }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await removeLabelledContainers();
    // its port is picked per run: not kept (the others are reused by later runs)
    if (exposedImage) await docker.getImage(exposedImage).remove({ force: true }).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  });

  it('runs jobs inside two different images with services, passes artifacts, and leaves no container behind', async () => {
    const port = await freePort();
    const dir = project(`
stages: [build, test]
in-a:
  stage: build
  image: ${IMAGE_A}
  variables: { GREETING: "hello from a" }
  before_script: ['echo "before: $GREETING"']
  script:
    - 'test ! -e /etc/gcd-marker && echo "no marker in a"'
    - 'test ! -e /etc/os-release && echo "no os-release"'
    - echo built > out.txt
  after_script: ['echo "after: $CI_JOB_STATUS"']
  artifacts: { paths: [out.txt] }
in-b:
  stage: test
  image: { name: ${IMAGE_B}, pull_policy: [never, if-not-present] }
  services:
    - name: ${IMAGE_B}
      alias: web
      command: [httpd, -f, -p, "${port}", -h, /www]
    - name: ${exposedImage}
      alias: api
  script:
    - 'echo "marker: $(cat /etc/gcd-marker)"'
    - 'echo "artifact: $(cat out.txt)"'
    - 'echo "web says: $(wget -q -O - http://web:${port}/)"'
    - 'echo "derived says: $(wget -q -O - http://gcd-test-busybox-b:${port}/)"'
    - 'echo "api says: $(wget -q -O - http://api:${exposedPort}/)"'
    - 'echo "shell: bash=\${GCD_VIA_BASH:-no}"'
with-bash:
  stage: test
  image: ${IMAGE_BASH}
  script:
    - 'echo "shell: bash=\${GCD_VIA_BASH:-no}"'
    - printf '%s\\n' "it's quoted"
`);
    const r = await runCli(['run', dir, '--verbose', ...dockerArgs], { timeoutMs: 90_000 });
    const out = r.stdout;
    expect(r.code, out + r.stderr).toBe(0);
    expect(out).toMatch(/Pipeline #\d+ passed .*3 success/);
    expect(out).toContain('[in-a] Using Docker executor with image gcd-test/busybox-a:latest');
    expect(out).toContain('[in-a] before: hello from a');
    expect(out).toContain('[in-a] no marker in a');
    expect(out).toContain('[in-a] no os-release');
    expect(out).toContain('[in-a] after: success');
    expect(out).toMatch(/\[in-a\] Running on .* in a container \(sh\)/);
    expect(out).toContain('[in-b] marker: image-b');
    expect(out).toContain('[in-b] artifact: built');
    expect(out).toContain('[in-b] web says: hello-from-service');
    expect(out).toContain('[in-b] derived says: hello-from-service');
    expect(out).toContain('[in-b] api says: hello-from-exposed');
    expect(out).toContain(`[in-b] Service ${IMAGE_B} exposes no port: not waiting for it`);
    expect(out).toContain('[in-b] Waiting for services to be up and running (timeout 30 seconds)...');
    expect(out).not.toContain("probably didn't start properly");
    expect(out).toContain('[in-b] shell: bash=no');
    expect(out).toMatch(/\[with-bash\] Running on .* in a container \(bash\)/);
    expect(out).toContain('[with-bash] shell: bash=yes');
    expect(out).toContain("[with-bash] it's quoted");
    expect(await labelledContainers('gitlab-ci-dispatcher.runner')).toEqual([]);
  }, 90_000);

  it('fails a job whose image is missing and cannot be pulled with image_pull_failure, for every pull policy', async () => {
    // 127.0.0.1:1 refuses at once: no registry is reached, none is needed
    const dir = project(`
never:
  image: { name: gcd-test/not-there:latest, pull_policy: never }
  script: [echo never-ran]
if-not-present:
  image: { name: "127.0.0.1:1/gcd-test/not-there:1", pull_policy: if-not-present }
  script: [echo never-ran]
always:
  image: { name: "127.0.0.1:1/gcd-test/not-there:1", pull_policy: always }
  script: [echo never-ran]
`);
    const r = await runCli(['run', dir, '--json', ...dockerArgs, '--docker-pull-policy', 'always,if-not-present,never'], { timeoutMs: 60_000 });
    const summary = summaryOf(r.stdout);
    expect(r.code).toBe(1);
    expect(summary.jobs).toHaveLength(3);
    for (const j of summary.jobs) expect([j.name, j.status, j.failure_reason]).toEqual([j.name, 'failed', 'image_pull_failure']);
    const logs = traces(dir);
    expect(logs).toContain('ERROR: Job failed: failed to pull image "gcd-test/not-there:latest" with specified policies [never]: image not found locally');
    expect(logs).toContain('Pulling docker image 127.0.0.1:1/gcd-test/not-there:1 ...');
    expect(logs).toContain('failed to pull image "127.0.0.1:1/gcd-test/not-there:1" with specified policies [if-not-present]');
    expect(logs).toContain('failed to pull image "127.0.0.1:1/gcd-test/not-there:1" with specified policies [always]');
    expect(logs).not.toContain('never-ran');
  }, 60_000);

  it('removes what a crashed run on the same data directory left; Ctrl-C stops the running container and removes it and its services', async () => {
    const dir = project(`
slow:
  image: ${IMAGE_A}
  services:
    - name: ${IMAGE_A}
      alias: sleeper
      command: [sleep, "300"]
  script:
    - echo started-slow
    - sleep 300
`);
    // a "previous crash": a container of an earlier run's runner, marked with this data directory
    const runDir = createHash('sha256').update(path.join(dir, '.gitlab-ci-dispatcher')).digest('hex').slice(0, 16);
    const stale = await docker.createContainer({
      Image: IMAGE_A,
      Cmd: ['sleep', '300'],
      Labels: { 'gitlab-ci-dispatcher.runner': 'oldrun00', 'gitlab-ci-dispatcher.job.id': '1', 'gitlab-ci-dispatcher.run-dir': runDir },
      HostConfig: { NetworkMode: 'host' },
    });
    await stale.start();
    let sawStart!: () => void;
    const started = new Promise<void>((resolve) => (sawStart = resolve));
    let pid = 0;
    const running = runCli(['run', dir, '--verbose', ...dockerArgs], {
      timeoutMs: 60_000,
      onSpawn: (p) => (pid = p),
      onStdout: (s) => {
        if (s.includes('started-slow')) sawStart();
      },
    });
    await started;
    expect(await labelledContainers('gitlab-ci-dispatcher.runner=oldrun00')).toEqual([]);
    expect((await labelledContainers('gitlab-ci-dispatcher.runner')).length).toBe(2);
    process.kill(pid, 'SIGINT');
    const r = await running;
    expect(r.code).toBe(130);
    expect(await labelledContainers('gitlab-ci-dispatcher.runner')).toEqual([]);
  }, 60_000);

  it('without --executor: docker when a job has image: and the engine answers, else the shell with a warning naming the image', async () => {
    const dir = project(`
marker:
  image: ${IMAGE_B}
  script: ['echo "marker: $(cat /etc/gcd-marker 2>/dev/null || echo none)"']
`);
    const inDocker = await runCli(['run', dir, '--verbose', '--docker-network-mode', 'host'], { timeoutMs: 60_000 });
    expect(inDocker.code, inDocker.stdout + inDocker.stderr).toBe(0);
    expect(inDocker.stdout).toContain('[marker] marker: image-b');
    const noEngine = await runCli(['run', dir, '--verbose'], { timeoutMs: 60_000, env: { DOCKER_HOST: `unix://${work}/no-docker.sock` } });
    expect(noEngine.code, noEngine.stdout + noEngine.stderr).toBe(0);
    expect(noEngine.stderr).toContain(`warning: no Docker engine answers at ${work}/no-docker.sock`);
    expect(noEngine.stdout).toContain(`[marker] WARNING: the shell executor runs this job on the host: image/services ignored ("${IMAGE_B}")`);
    expect(noEngine.stdout).toContain('[marker] marker: none');
    const forced = await runCli(['run', dir, '--executor', 'docker'], { timeoutMs: 60_000, env: { DOCKER_HOST: `unix://${work}/no-docker.sock` } });
    expect(forced.code).toBe(2);
    expect(forced.stderr).toContain(`error: --executor docker: no Docker engine answers at ${work}/no-docker.sock`);
  }, 60_000);

  it('the config file and flags: runner register --executor docker writes [runners.docker]', async () => {
    const config = path.join(work, 'runner.json');
    const r = await runCli(['runner', 'register', '--url', 'http://127.0.0.1:1', '--token', 'glrt-x', '--executor', 'docker', '--config', config]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--executor docker needs --docker-image');
    const bad = await runCli(['runner', 'register', '--url', 'http://127.0.0.1:1', '--token', 'glrt-x', '--executor', 'docker', '--docker-image', 'a', '--docker-pull-policy', 'sometimes', '--config', config]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('pull_policy must be always, if-not-present or never');
    expect(() => readFileSync(config)).toThrow();
  });
});
