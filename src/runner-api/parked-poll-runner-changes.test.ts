// A runner changed through the UI API while its jobs/request long poll is parked: the change
// reaches the parked poll at once (GitLab ticks the runner's queue on update and re-authenticates
// the released request): paused -> 204 now and no job; deleted -> 403; re-tagged -> claims with
// the new tags. Real HTTP, real SQLite.
import { afterEach, describe, expect, it } from 'vitest';
import { createApiHarness, type ApiHarness } from '../api/test-support/api-harness.js';
import { job, planOf } from '../engine/test-support/plan-builder.js';
import { RunnerClient } from './test-support/runner-client.js';

let h: ApiHarness;
afterEach(async () => h?.close());

const sha = 'a'.repeat(40);

async function parked(n: number): Promise<void> {
  for (let i = 0; i < 250 && h.coordinator.parkedPolls() < n; i++) await new Promise((r) => setTimeout(r, 10));
  expect(h.coordinator.parkedPolls()).toBe(n);
}

const admin = (path: string, method: string, body?: unknown) =>
  h.fetch(path, {
    method,
    token: h.adminToken,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });

const pending = (name: string, tags: string[] = []) =>
  h.coordinator.createPipeline({ projectId: h.project.id, ref: 'main', isTag: false, sha, source: 'push', plan: planOf(['test'], [job(name, { tags })]) });

describe('runner changes reach its parked long poll', () => {
  it('paused while parked: answered 204 at once, and a job created next is not taken', async () => {
    h = await createApiHarness({ runnerApi: true, engine: { longPollMs: 30_000 } });
    const { token, runner } = await h.coordinator.createRunner({ runUntagged: true });
    const client = new RunnerClient(h.url, token);
    const started = Date.now();
    const poll = client.requestJob();
    await parked(1);
    expect((await admin(`/api/ui/runners/${runner.id}/pause`, 'POST')).status).toBe(200);
    const created = await pending('after-pause');
    const { res } = await poll;
    const took = Date.now() - started;
    expect(res.status).toBe(204);
    expect(took).toBeLessThan(1_500);
    const detail = await h.coordinator.read.pipeline(created.pipeline.id);
    expect(detail!.jobs.map((j) => j.status)).toEqual(['pending']);
    console.log(`[semantics] paused runner's parked poll: 204 after ${took} ms, the job stays pending`);
  });

  it('resumed while parked: the poll takes the job that waited', async () => {
    h = await createApiHarness({ runnerApi: true, engine: { longPollMs: 30_000 } });
    const { token, runner } = await h.coordinator.createRunner({ runUntagged: true, paused: true });
    const poll = new RunnerClient(h.url, token).requestJob();
    await parked(1);
    await pending('waited');
    expect((await admin(`/api/ui/runners/${runner.id}/resume`, 'POST')).status).toBe(200);
    const { job: got } = await poll;
    expect(got?.job_info.name).toBe('waited');
  });

  it('deleted while parked: 403 at once', async () => {
    h = await createApiHarness({ runnerApi: true, engine: { longPollMs: 30_000 } });
    const { token, runner } = await h.coordinator.createRunner({ runUntagged: true });
    const poll = new RunnerClient(h.url, token).requestJob();
    await parked(1);
    expect((await admin(`/api/ui/runners/${runner.id}`, 'DELETE')).status).toBe(204);
    await pending('after-delete');
    expect((await poll).res.status).toBe(403);
  });

  it('re-tagged while parked: the parked poll takes a job matching its new tags', async () => {
    h = await createApiHarness({ runnerApi: true, engine: { longPollMs: 30_000 } });
    const { token, runner } = await h.coordinator.createRunner({ tags: ['old'], runUntagged: false });
    const poll = new RunnerClient(h.url, token).requestJob();
    await parked(1);
    expect((await admin(`/api/ui/runners/${runner.id}`, 'PATCH', { tags: ['new'] })).status).toBe(200);
    // with its old tags the poll would not even be woken by this job
    await pending('wants-new', ['new']);
    const { job: got } = await poll;
    expect(got?.job_info.name).toBe('wants-new');
  });
});
