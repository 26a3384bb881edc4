// Conformance: PUT /jobs/:id and PATCH /jobs/:id/trace as gitlab-runner's trace loop and final
// update use them (reference §3, §4, §6), over real HTTP.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { job as planJob, planOf } from '../engine/test-support/plan-builder.js';
import { call, RunnerClient } from './test-support/runner-client.js';
import { startRunnerApiTestServer, type RunnerApiTestServer } from './test-support/start-test-server.js';
import type { JobPayload } from './protocol.js';

const checksumOf = (b: Buffer) => `crc32:${(crc32(b) >>> 0).toString(16).padStart(8, '0')}`;

describe('job updates and trace (§3, §4, §6)', () => {
  let t: RunnerApiTestServer;
  let seq = 0;
  beforeAll(async () => {
    t = await startRunnerApiTestServer({ longPollMs: 300 });
  });
  afterAll(async () => {
    await t.close();
  });

  async function runningJob(features?: Record<string, boolean>): Promise<{ client: RunnerClient; job: JobPayload }> {
    const tag = `t${++seq}`;
    const { token } = await t.createRunner({ tags: [tag], runUntagged: false });
    await t.createPipeline(planOf(['test'], [planJob(`job-${tag}`, { tags: [tag] })]));
    const client = new RunnerClient(t.url, token);
    const { job } = await client.requestJob(features ? { info: { name: 'gitlab-runner', version: '18.5.0', features } } : {});
    expect(job).not.toBeNull();
    return { client, job: job! };
  }

  it('two-phase ack, trace patches with inclusive Content-Range, final PUT with checksum', async () => {
    const { client, job } = await runningJob();
    // Runner >= 18.5 acknowledges at once with PUT running; repeating it is harmless.
    for (let i = 0; i < 2; i++) {
      const ack = await client.updateJob(job, { state: 'running' });
      expect(ack.status).toBe(200);
      expect(ack.headers.get('job-status')).toBe('running');
      expect(Number(ack.headers.get('x-gitlab-trace-update-interval'))).toBeGreaterThan(0);
    }
    const part1 = Buffer.from('\x1b[32;1m$ echo hi\x1b[0;m\nhi\n');
    const part2 = Buffer.from('section_end:1700000000:step_script\r\x1b[0K\nJob succeeded\n');
    const p1 = await client.patchTrace(job, 0, part1);
    expect(p1.status).toBe(202);
    expect(p1.headers.get('range')).toBe(`0-${part1.length}`);
    expect(p1.headers.get('job-status')).toBe('running');
    expect(p1.headers.get('x-gitlab-trace-update-interval')).toMatch(/^\d+$/);

    // A gap: 416 + Range with the stored length; the runner resends from there.
    const gap = await client.patchTrace(job, part1.length + 10, part2);
    expect(gap.status).toBe(416);
    expect(gap.headers.get('range')).toBe(`0-${part1.length}`);
    expect(gap.headers.get('job-status')).toBe('running');
    // An overlap is refused the same way (append-only).
    expect((await client.patchTrace(job, 0, part2)).status).toBe(416);

    const p2 = await client.patchTrace(job, part1.length, part2);
    expect(p2.status).toBe(202);
    const all = Buffer.concat([part1, part2]);
    expect(p2.headers.get('range')).toBe(`0-${all.length}`);
    expect((await t.traces.read(job.id)).equals(all)).toBe(true);

    // Wrong checksum or size: 412, the runner resets and resends, nothing is finished.
    const bad = await client.updateJob(job, { state: 'success', checksum: 'crc32:00000000', output: { checksum: 'crc32:00000000', bytesize: all.length } });
    expect(bad.status).toBe(412);
    const badSize = await client.updateJob(job, { state: 'success', output: { checksum: checksumOf(all), bytesize: all.length + 1 } });
    expect(badSize.status).toBe(412);
    expect((await t.coordinator.read.job(job.id))!.status).toBe('running');

    const done = await client.updateJob(job, { state: 'success', checksum: checksumOf(all), output: { checksum: checksumOf(all), bytesize: all.length } });
    expect(done.status).toBe(200);
    expect(done.headers.get('job-status')).toBe('success');
    expect((await t.coordinator.read.job(job.id))!.status).toBe('success');

    // Anything after that: 403 + Job-Status.
    const again = await client.updateJob(job, { state: 'running' });
    expect(again.status).toBe(403);
    expect(again.headers.get('job-status')).toBe('success');
    const late = await client.patchTrace(job, all.length, 'late');
    expect(late.status).toBe(403);
    expect(late.headers.get('job-status')).toBe('success');
  });

  it('an older runner that never sends PUT running still runs and fails with reason and exit code', async () => {
    const { client, job } = await runningJob();
    expect((await client.patchTrace(job, 0, 'boom\n')).status).toBe(202);
    const res = await client.updateJob(job, { state: 'failed', failure_reason: 'script_failure', exit_code: 3, output: { checksum: checksumOf(Buffer.from('boom\n')), bytesize: 5 } });
    expect(res.status).toBe(200);
    expect(res.headers.get('job-status')).toBe('failed');
    const stored = (await t.coordinator.read.job(job.id))!;
    expect(stored).toMatchObject({ status: 'failed', failureReason: 'script_failure', exitCode: 3 });
  });

  it('unknown failure reasons become unknown_failure', async () => {
    const { client, job } = await runningJob();
    const res = await client.updateJob(job, { state: 'failed', failure_reason: 'job_canceled' });
    expect(res.status).toBe(200);
    expect((await t.coordinator.read.job(job.id))!.failureReason).toBe('unknown_failure');
  });

  it('graceful cancel: Job-Status canceling on PATCH and PUT, then canceled', async () => {
    const { client, job } = await runningJob({ cancel_gracefully: true, cancelable: true });
    await t.coordinator.cancelJob(job.id);
    const patch = await client.patchTrace(job, 0, 'after_script output\n');
    expect(patch.status).toBe(202);
    expect(patch.headers.get('job-status')).toBe('canceling');
    const put = await client.updateJob(job, { state: 'running' });
    expect(put.status).toBe(200);
    expect(put.headers.get('job-status')).toBe('canceling');
    await client.updateJob(job, { state: 'failed', failure_reason: 'unknown_failure' });
    expect((await t.coordinator.read.job(job.id))!.status).toBe('canceled');
  });

  it('hard cancel: 403 + Job-Status canceled on the next PATCH and PUT', async () => {
    const { client, job } = await runningJob({ cancelable: true });
    await t.coordinator.cancelJob(job.id);
    const patch = await client.patchTrace(job, 0, 'x');
    expect(patch.status).toBe(403);
    expect(patch.headers.get('job-status')).toBe('canceled');
    const put = await client.updateJob(job, { state: 'running' });
    expect(put.status).toBe(403);
    expect(put.headers.get('job-status')).toBe('canceled');
  });

  it('malformed inputs get 4xx and store nothing; trace bytes are kept exactly', async () => {
    const { client, job } = await runningJob();
    const url = `${t.url}/api/v4/jobs/${job.id}`;
    const h = { 'job-token': job.token };
    // Content-Range missing or malformed -> 400.
    expect((await call(`${url}/trace`, { method: 'PATCH', headers: { ...h, 'content-type': 'text/plain' }, body: 'x' })).status).toBe(400);
    for (const range of ['abc', '5-2', '-1-3', '1-']) {
      expect((await call(`${url}/trace`, { method: 'PATCH', headers: { ...h, 'content-range': range }, body: 'x' })).status, range).toBe(400);
    }
    // Other content types still reach the trace (the body is raw bytes).
    expect((await call(`${url}/trace`, { method: 'PATCH', headers: { ...h, 'content-range': '0-1', 'content-type': 'application/octet-stream' }, body: 'ab' })).status).toBe(202);
    // Wrong token, unknown job, another job's token -> 403 without touching the trace.
    expect((await call(`${url}/trace`, { method: 'PATCH', headers: { 'job-token': 'glcbt-wrong', 'content-range': '2-2' }, body: 'c' })).status).toBe(403);
    expect((await call(`${t.url}/api/v4/jobs/99999999/trace`, { method: 'PATCH', headers: { ...h, 'content-range': '2-2' }, body: 'c' })).status).toBe(403);
    const other = await runningJob();
    expect((await call(`${url}/trace`, { method: 'PATCH', headers: { 'job-token': other.job.token, 'content-range': '2-2' }, body: 'c' })).status).toBe(403);
    expect((await call(`${url}/trace`, { method: 'PATCH', headers: { 'content-range': '2-2' }, body: 'c' })).status).toBe(403);
    expect((await call(`${t.url}/api/v4/jobs/abc/trace`, { method: 'PATCH', headers: { ...h, 'content-range': '2-2' }, body: 'c' })).status).toBe(400);
    // PUT: bad JSON, bad state, wrong types.
    expect((await call(url, { method: 'PUT', headers: { ...h, 'content-type': 'application/json' }, body: '{"state":' })).status).toBe(400);
    expect((await client.updateJob(job, { state: 'exploded' })).status).toBe(400);
    expect((await client.updateJob(job, { state: 'success', exit_code: 'one' })).status).toBe(400);
    expect((await client.updateJob(job, { state: 'success', output: 'x' })).status).toBe(400);
    expect((await client.updateJob({ id: job.id, token: 'glcbt-wrong' }, { state: 'success' })).status).toBe(403);
    expect((await t.coordinator.read.job(job.id))!.status).toBe('running');
    expect((await t.traces.read(job.id)).toString()).toBe('ab');

    // Bytes are stored exactly as sent (the final CRC32 covers them).
    const raw = Buffer.from([0x1b, 0x5b, 0x30, 0x4b, 0x0d, 0xff, 0x00, 0x0a]);
    expect((await client.patchTrace(job, 2, raw)).status).toBe(202);
    expect((await t.traces.read(job.id)).equals(Buffer.concat([Buffer.from('ab'), raw]))).toBe(true);
  });

  it('a trace that never matches: 412 a few times, then the final state is taken', async () => {
    const { client, job } = await runningJob();
    await client.patchTrace(job, 0, 'stored\n');
    const wrong = { state: 'success', output: { checksum: 'crc32:deadbeef', bytesize: 7 } };
    expect((await client.updateJob(job, wrong)).status).toBe(412);
    // The runner resends from 0: append-only storage answers 416 with its length.
    const resend = await client.patchTrace(job, 0, 'stored\n');
    expect(resend.status).toBe(416);
    expect(resend.headers.get('range')).toBe('0-7');
    expect((await client.updateJob(job, wrong)).status).toBe(412);
    const last = await client.updateJob(job, wrong);
    expect(last.status).toBe(200);
    expect((await t.coordinator.read.job(job.id))!.status).toBe('success');
  });

  it('job tokens are stored only hashed', async () => {
    const { job } = await runningJob();
    const read = (f: string) => {
      try {
        return readFileSync(path.join(t.dir, f)).toString('latin1');
      } catch {
        return '';
      }
    };
    for (const file of ['db.sqlite', 'db.sqlite-wal']) expect(read(file).includes(job.token)).toBe(false);
  });

  it('a patch larger than the cap is refused with 413', async () => {
    const { client, job } = await runningJob();
    const big = Buffer.alloc(4 * 1024 * 1024 + 1, 0x61);
    expect((await client.patchTrace(job, 0, big)).status).toBe(413);
    expect((await t.traces.read(job.id)).length).toBe(0);
  });
});
