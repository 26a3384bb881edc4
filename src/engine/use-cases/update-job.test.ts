import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, test } from 'vitest';
import { createHarness, type Harness } from '../test-support/harness.js';
import { job, planOf } from '../test-support/plan-builder.js';

let h: Harness;
afterEach(async () => h?.close());

async function running() {
  const r = await h.runner();
  const id = await h.pipeline(planOf(['a'], [job('x', { stage: 'a' })]));
  const c = (await h.claim(r))!;
  return { id, job: c.job };
}

describe('trace', () => {
  test('append-only at the current length; a gap or overlap gets the current length back', async () => {
    h = await createHarness();
    const { job: j } = await running();
    expect(await h.coordinator.appendTrace(j, 0, Buffer.from('hello '))).toMatchObject({ kind: 'appended', length: 6, jobStatus: 'running', abort: false });
    expect(await h.coordinator.appendTrace(j, 10, Buffer.from('x'))).toMatchObject({ kind: 'range_mismatch', length: 6 });
    expect(await h.coordinator.appendTrace(j, 3, Buffer.from('x'))).toMatchObject({ kind: 'range_mismatch', length: 6 });
    expect(await h.coordinator.appendTrace(j, 6, Buffer.from('world'))).toMatchObject({ kind: 'appended', length: 11 });
    expect((await h.coordinator.read.job(j.id))!.traceSize).toBe(11);
  });

  test('the trace limit is enforced', async () => {
    h = await createHarness({ config: { traceLimitBytes: 8 } });
    const { job: j } = await running();
    expect((await h.coordinator.appendTrace(j, 0, Buffer.from('12345'))).kind).toBe('appended');
    expect((await h.coordinator.appendTrace(j, 5, Buffer.from('6789'))).kind).toBe('limit_exceeded');
  });

  test('trace update interval is short while watched', async () => {
    h = await createHarness();
    expect(h.coordinator.traceUpdateInterval(1)).toBe(30);
    h.coordinator.watchTrace(1);
    expect(h.coordinator.traceUpdateInterval(1)).toBe(3);
  });

  test('trace events are emitted', async () => {
    h = await createHarness();
    const { job: j } = await running();
    const got: number[] = [];
    h.coordinator.subscribe((e) => e.type === 'trace' && got.push(e.length));
    await h.coordinator.appendTrace(j, 0, Buffer.from('abc'));
    expect(got).toEqual([3]);
  });
});

describe('PUT', () => {
  test('a trace over 1 MiB is checked too (streamed)', async () => {
    h = await createHarness();
    const { job: j } = await running();
    const log = Buffer.alloc(1536 * 1024, 'ab\n');
    await h.coordinator.appendTrace(j, 0, log);
    const sum = `crc32:${(crc32(log) >>> 0).toString(16).padStart(8, '0')}`;
    expect((await h.coordinator.updateJob(j, { state: 'success', bytesize: log.length - 1, checksum: sum })).kind).toBe('trace_mismatch');
    expect((await h.coordinator.updateJob(j, { state: 'success', bytesize: log.length, checksum: 'crc32:00000000' })).kind).toBe('trace_mismatch');
    expect(await h.coordinator.updateJob(j, { state: 'success', bytesize: log.length, checksum: sum.toUpperCase().replace('CRC32', 'crc32') })).toMatchObject({ kind: 'ok', jobStatus: 'success' });
  });

  test('a keep-alive writes the activity only once the stored one is old (a tenth of the stale limit, at most 60 s)', async () => {
    let t = Date.parse('2030-01-01T00:00:00.000Z');
    h = await createHarness({ clock: { now: () => new Date(t) }, config: { staleJobSeconds: 3600 } });
    const { job: j } = await running();
    const activity = async () => (await h.coordinator.read.job(j.id))!.lastActivityAt;
    expect(await activity()).toBe('2030-01-01T00:00:00.000Z');
    t += 59_000;
    expect(await h.coordinator.updateJob(j, { state: 'running' })).toMatchObject({ kind: 'ok', jobStatus: 'running' });
    expect(await activity()).toBe('2030-01-01T00:00:00.000Z');
    t += 1_000;
    expect(await h.coordinator.updateJob(j, { state: 'running' })).toMatchObject({ kind: 'ok', jobStatus: 'running' });
    expect(await activity()).toBe('2030-01-01T00:01:00.000Z');
    // a short stale limit shortens the interval with it
    await h.close();
    h = await createHarness({ clock: { now: () => new Date(t) }, config: { staleJobSeconds: 5 } });
    const { job: k } = await running();
    t += 600;
    await h.coordinator.updateJob(k, { state: 'running' });
    expect((await h.coordinator.read.job(k.id))!.lastActivityAt).toBe(new Date(t).toISOString());
    await h.coordinator.cancelJob(k.id);
    // a job that stopped is reported, whatever the interval
    expect(await h.coordinator.updateJob(k, { state: 'running' })).toMatchObject({ kind: 'not_running', jobStatus: 'canceled', abort: true });
  });

  test('keep-alive, then a final state checked against the stored trace (size and crc32)', async () => {
    h = await createHarness();
    const { id, job: j } = await running();
    expect(await h.coordinator.updateJob(j, { state: 'running' })).toMatchObject({ kind: 'ok', jobStatus: 'running', abort: false });
    expect(await h.coordinator.updateJob(j, { state: 'pending' })).toMatchObject({ kind: 'ok', jobStatus: 'running' });
    await h.coordinator.appendTrace(j, 0, Buffer.from('log line\n'));
    expect((await h.coordinator.updateJob(j, { state: 'success', bytesize: 3 })).kind).toBe('trace_mismatch');
    expect((await h.coordinator.updateJob(j, { state: 'success', bytesize: 9, checksum: 'crc32:00000000' })).kind).toBe('trace_mismatch');
    const sum = `crc32:${(crc32(Buffer.from('log line\n')) >>> 0).toString(16).padStart(8, '0')}`;
    expect(await h.coordinator.updateJob(j, { state: 'success', bytesize: 9, checksum: sum })).toMatchObject({ kind: 'ok', jobStatus: 'success', abort: true });
    expect(await h.statuses(id)).toEqual({ x: 'success' });
    expect((await h.coordinator.updateJob(j, { state: 'success' })).kind).toBe('not_running');
  });

  test('a final state for a job that is no longer running: 403 with its status, whatever the trace says', async () => {
    h = await createHarness();
    const { id, job: j } = await running();
    await h.coordinator.appendTrace(j, 0, Buffer.from('abc'));
    expect(await h.coordinator.updateJob(j, { state: 'failed' })).toMatchObject({ kind: 'ok', jobStatus: 'failed', abort: true });
    // a mismatched trace does not turn the answer into a trace mismatch, and nothing changes
    expect(await h.coordinator.updateJob(j, { state: 'success', bytesize: 1 })).toMatchObject({ kind: 'not_running', jobStatus: 'failed', abort: true });
    expect(await h.coordinator.updateJob(j, { state: 'success', bytesize: 3 })).toMatchObject({ kind: 'not_running', jobStatus: 'failed' });
    expect(await h.statuses(id)).toEqual({ x: 'failed' });

    const second = await running();
    await h.coordinator.cancelJob(second.job.id);
    expect((await h.coordinator.read.job(second.job.id))?.status).toBe('canceled');
    expect(await h.coordinator.updateJob(second.job, { state: 'success', bytesize: 0 })).toMatchObject({ kind: 'not_running', jobStatus: 'canceled', abort: true });
    expect((await h.coordinator.read.job(second.job.id))?.status).toBe('canceled');
  });

  test('failure reason and exit code are stored', async () => {
    h = await createHarness();
    const { job: j } = await running();
    await h.coordinator.updateJob(j, { state: 'failed', failureReason: 'runner_system_failure', exitCode: 2 });
    expect(await h.coordinator.read.job(j.id)).toMatchObject({ status: 'failed', failureReason: 'runner_system_failure', exitCode: 2 });
  });
});
