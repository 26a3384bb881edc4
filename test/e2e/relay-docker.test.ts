// The relay's `docker` launcher against this machine's Docker engine (host network only): a
// container per job from --launch-image, whose entrypoint is a tiny runner written in busybox sh
// (wget for jobs/request, nc for PATCH trace and PUT) that speaks the runner API to RELAY_URL
// with RELAY_TOKEN. The upstream is our `serve`. Checks: the job passes upstream with the
// container's trace, the container is removed when the job is over; an entrypoint that never
// polls fails the job after --launch-timeout and its container is removed; a relay SIGKILLed
// while its container runs finds the container again. Skipped with a message when no engine
// answers, unless GCD_REQUIRE_DOCKER=1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPipelineFromDir, createRunnerToken, freePort, startServe, waitForPipelineOver, type ServeProcess } from '../support/dispatcher-process.js';
import { startRelay, type RelayProcess } from '../support/relay-process.js';
import { ensureBusyboxImage, labelledContainers, requireDocker } from '../support/docker-images.js';
import { LABEL_RELAY_JOB } from '../../src/relay/index.js';

const haveDocker = await requireDocker('relay docker launcher tests');
const IMAGE = 'gcd-test/relay-runner:latest';
const work = mkdtempSync(path.join(tmpdir(), 'gcd-relay-docker-'));

// Job "never-polls": never polls (launch-timeout). Otherwise: take the job, PATCH the trace,
// (job "hold": wait 6 s), PUT success, then stay up until the relay removes the container.
const RUNNER_SH = `#!/bin/sh
[ "$RELAY_JOB_NAME" = never-polls ] && exec sleep 300
hostport=\${RELAY_URL#http://}
h=\${hostport%%:*}; p=\${hostport##*:}
wget -q -O /tmp/job.json --header 'Content-Type: application/json' --post-data "{\\"token\\":\\"$RELAY_TOKEN\\"}" "$RELAY_URL/api/v4/jobs/request" || exit 3
tok=$(sed -n 's/^{"id":[0-9]*,"token":"\\([^"]*\\)".*/\\1/p' /tmp/job.json)
[ -n "$tok" ] || exit 4
send() {
  {
    printf '%s /api/v4/jobs/%s HTTP/1.0\\r\\nHost: relay\\r\\nJOB-TOKEN: %s\\r\\nContent-Type: %s\\r\\nContent-Length: %s\\r\\n' "$1" "$2" "$tok" "$3" "\${#4}"
    [ -n "$5" ] && printf '%s\\r\\n' "$5"
    printf '\\r\\n%s' "$4"
  } | nc -w 10 $h $p
}
msg="hello from container job $RELAY_JOB_ID image=[$RELAY_JOB_IMAGE]"
send PATCH "$RELAY_JOB_ID/trace" text/plain "$msg" "Content-Range: 0-$((\${#msg}-1))"
[ "$RELAY_JOB_NAME" = hold ] && sleep 6
send PUT "$RELAY_JOB_ID" application/json "{\\"token\\":\\"$tok\\",\\"state\\":\\"success\\"}" ""
exec sleep 300
`;

let upstream: ServeProcess;
let admin = '';
let token = '';
const relays: RelayProcess[] = [];

const api = async (route: string) => {
  const res = await fetch(`${upstream.url}/api/ui${route}`, { headers: { authorization: `Bearer ${admin}` } });
  if (!res.ok) throw new Error(`${route} → ${res.status}`);
  return res;
};
const trace = async (id: number) => (await api(`/jobs/${id}/trace`)).text();
async function until(fn: () => Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
async function oneJob(name: string) {
  const dir = path.join(work, 'src', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, '.gitlab-ci.yml'), `${name}:\n  image: alpine:3.20\n  script: [echo unused]\n`);
  const p = await createPipelineFromDir(upstream.url, admin, { dir, project: `relay-docker/${name}` });
  return { pipelineId: p.pipeline.id, jobId: p.jobs[0].id };
}
async function relayWith(data: string, port: number, extra: string[] = []) {
  const r = await startRelay(['--upstream-url', upstream.url, '--upstream-token', token, '--listen', `127.0.0.1:${port}`, '--data-dir', data, '--launcher', 'docker', '--launch-image', IMAGE, '--poll-interval', '300', '--config', path.join(work, 'none.json'), ...extra], {
    env: { DOCKER_API_VERSION: '1.41' },
  });
  relays.push(r);
  return r;
}

beforeAll(async () => {
  if (!haveDocker) return;
  await ensureBusyboxImage(IMAGE, { files: { '/relay-runner.sh': RUNNER_SH }, changes: ['ENTRYPOINT ["/relay-runner.sh"]'] });
  upstream = await startServe({ dataDir: path.join(work, 'upstream'), port: await freePort(), longPollSeconds: 5, tokensWaitMs: Infinity });
  admin = upstream.adminToken!;
  token = await createRunnerToken(upstream.url, admin, { description: 'docker relay' });
}, 120_000);

afterAll(async () => {
  for (const r of relays) await r.kill9().catch(() => undefined);
  await upstream?.stop().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!haveDocker)('relay --launcher docker', () => {
  it('runs the job in a fresh container that speaks to RELAY_URL, then removes the container', async () => {
    const r = await relayWith(path.join(work, 'relay-a'), await freePort());
    const { pipelineId, jobId } = await oneJob('in-container');
    const d = await waitForPipelineOver(() => upstream.url, admin, pipelineId, 90_000);
    expect(d.jobs[0].status, r.output()).toBe('success');
    expect(await trace(jobId)).toContain(`hello from container job ${jobId} image=[alpine:3.20]`);
    await until(async () => (await labelledContainers(`${LABEL_RELAY_JOB}=${jobId}`)).length === 0, 'the container to be removed', 30_000);
    expect(await r.stop()).toBe(0);
  }, 180_000);

  it('an entrypoint that never polls fails the job after --launch-timeout and its container is removed', async () => {
    const r = await relayWith(path.join(work, 'relay-b'), await freePort(), ['--launch-timeout', '3']);
    const { pipelineId, jobId } = await oneJob('never-polls');
    await until(async () => (await labelledContainers(`${LABEL_RELAY_JOB}=${jobId}`)).length === 1, 'the container to start', 30_000);
    const d = await waitForPipelineOver(() => upstream.url, admin, pipelineId, 60_000);
    expect([d.jobs[0].status, d.jobs[0].failureReason]).toEqual(['failed', 'runner_system_failure']);
    expect(await trace(jobId)).toContain('--launch-timeout');
    await until(async () => (await labelledContainers(`${LABEL_RELAY_JOB}=${jobId}`)).length === 0, 'the container to be removed', 30_000);
    expect(await r.stop()).toBe(0);
  }, 120_000);

  it('a relay SIGKILLed while its container runs adopts the container after a restart', async () => {
    const data = path.join(work, 'relay-c');
    const port = await freePort();
    const first = await relayWith(data, port);
    const { pipelineId, jobId } = await oneJob('hold');
    await until(async () => (await trace(jobId)).includes('hello from container'), 'the container to report', 60_000);
    await first.kill9();
    expect(await labelledContainers(`${LABEL_RELAY_JOB}=${jobId}`)).toHaveLength(1);
    const second = await relayWith(data, port);
    const d = await waitForPipelineOver(() => upstream.url, admin, pipelineId, 60_000);
    expect(d.jobs[0].status).toBe('success');
    expect(second.output()).toContain('adopted the environment of a running job');
    await until(async () => (await labelledContainers(`${LABEL_RELAY_JOB}=${jobId}`)).length === 0, 'the container to be removed', 30_000);
    expect(await second.stop()).toBe(0);
  }, 180_000);
});
