// A runner that does not mask (a custom one) uploads a log with a masked variable's value in it:
// no read the UI or CLI makes — whole, ranged or live — shows any of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMasker } from './trace-mask.js';
import { createApiHarness, readEvents, type ApiHarness } from './test-support/api-harness.js';
import { job as planJob, planOf } from '../engine/test-support/plan-builder.js';
import type { Runner } from '../engine/model.js';

const SECRET = 's3cr3t-Value-0042';

describe('createMasker', () => {
  it('replaces every occurrence with a same-length [MASKED] and ignores values under 8 bytes', () => {
    const m = createMasker([SECRET, 'short']);
    const out = m.mask(Buffer.from(`a ${SECRET} b ${SECRET} short`)).toString();
    expect(out).toBe(`a [MASKED]********* b [MASKED]********* short`);
    expect(out.length).toBe(`a ${SECRET} b ${SECRET} short`.length);
    expect(createMasker(['short']).maxLength).toBe(0);
  });
});

describe('trace reads mask secrets', () => {
  let h: ApiHarness;
  let runner: Runner;
  beforeAll(async () => {
    h = await createApiHarness();
    runner = (await h.coordinator.createRunner({ runUntagged: true })).runner;
    await h.coordinator.setVariable({ projectId: h.project.id, key: 'TOKEN', value: SECRET, masked: true, protected: false, file: false, raw: false });
  });
  afterAll(() => h.close());

  it('in the whole log, in a range cutting through the secret, and in the live tail', async () => {
    const plan = planOf(['build'], [planJob('leaky', { stage: 'build' })]);
    await h.coordinator.createPipeline({ projectId: h.project.id, ref: 'main', isTag: false, sha: 'ab'.repeat(20), source: 'push', plan });
    const claimed = await h.coordinator.requestJob({ runner, holdMs: 0, signal: new AbortController().signal });
    if (claimed.kind !== 'job') throw new Error('no job');
    const job = claimed.claimed.job;
    const head = 'echo the token is ';
    await h.coordinator.appendTrace(job, 0, Buffer.from(`${head}${SECRET.slice(0, 6)}`));

    // Live: the half-written secret is held back while the job runs.
    const live = await h.fetch(`/api/ui/jobs/${job.id}/trace/stream?offset=0`);
    let step = 0;
    const events = await readEvents(
      live,
      (all) => all.some((e) => e.event === 'end'),
      async (e) => {
        if (e.event === 'status' && step === 0) {
          step = 1;
          await h.coordinator.appendTrace(job, head.length + 6, Buffer.from(`${SECRET.slice(6)} done\n`));
          await h.coordinator.updateJob(job, { state: 'success' });
        }
      },
    );
    const streamed = events.filter((e) => e.event === 'append').map((e) => e.data.text).join('');
    expect(streamed).toBe(`${head}[MASKED]********* done\n`);
    for (const e of events.filter((x) => x.event === 'append')) expect(e.data.text).not.toContain(SECRET.slice(0, 6));

    const whole = await (await h.fetch(`/api/ui/jobs/${job.id}/trace`)).text();
    expect(whole).toBe(`${head}[MASKED]********* done\n`);
    const start = head.length + 4;
    const ranged = await h.fetch(`/api/ui/jobs/${job.id}/trace`, { headers: { range: `bytes=${start}-${start + 5}` } });
    expect(ranged.status).toBe(206);
    expect(await ranged.text()).toBe('KED]**');
  });
});
