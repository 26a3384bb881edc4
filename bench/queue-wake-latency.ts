// pending -> assigned latency with 100 parked long polls (targets: p50 < 5 ms, p99 < 25 ms; across
// two nodes p99 < 100 ms). 100 runners in 10 tag classes park; a one-job pipeline for one class
// is created; latency = from the job's `pending` event to the parked requestJob resolving with it.
// Two-node variant (PostgreSQL): polls parked on node B, pipelines created on node A (NOTIFY).
// Run: npx tsx bench/queue-wake-latency.ts
import { job, planOf } from '../src/engine/test-support/plan-builder.js';
import type { EngineCoordinator } from '../src/engine/create-coordinator.js';
import type { Runner } from '../src/engine/model.js';
import { environments, summary } from './queue-support.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const PARKED = 100;

async function measure(label: string, creator: EngineCoordinator, poller: EngineCoordinator) {
  const project = await creator.ensureProject(`bench/wake-${label.replace(/\W/g, '')}`);
  const runners: { runner: Runner; cls: number }[] = [];
  for (let i = 0; i < PARKED; i++) runners.push({ runner: (await creator.createRunner({ tags: [`c${i % 10}`], runUntagged: false })).runner, cls: i % 10 });
  const pendingAt = new Map<number, number>();
  creator.subscribe((e) => {
    if (e.type === 'job' && e.job.status === 'pending') pendingAt.set(e.job.id, performance.now());
  });
  const lat: number[] = [];
  let stop = false;
  const got = new Set<number>();
  const loops = runners.map(async ({ runner }) => {
    let lastUpdate: string | undefined;
    const ac = new AbortController();
    while (!stop) {
      const r = await poller.requestJob({ runner, lastUpdate, holdMs: 2_000, signal: ac.signal });
      if (r.kind === 'none') {
        lastUpdate = r.lastUpdate;
        continue;
      }
      const t = performance.now();
      const since = pendingAt.get(r.claimed.job.id);
      if (since !== undefined) lat.push(t - since);
      got.add(r.claimed.job.id);
      await poller.updateJob(r.claimed.job, { state: 'success' });
    }
  });
  // let every poll park
  while (poller.parkedPolls() < PARKED) await new Promise((r) => setTimeout(r, 10));
  for (let i = 0; i < ROUNDS; i++) {
    const before = got.size;
    await creator.createPipeline({ projectId: project.id, ref: 'main', isTag: false, sha: 'e'.repeat(40), source: 'push', plan: planOf(['t'], [job('x', { stage: 't', tags: [`c${i % 10}`] })]) });
    while (got.size === before) await new Promise((r) => setTimeout(r, 1));
    while (poller.parkedPolls() < PARKED) await new Promise((r) => setTimeout(r, 1));
  }
  stop = true;
  await Promise.all(loops);
  console.log(summary(`${label} pending->assigned, ${PARKED} parked polls`, lat));
}

for (const env of await environments()) {
  const store = await env.open();
  const a = env.coordinator(store, { queueFallbackPollMs: 0 });
  await measure(`${env.dialect} one node`, a, a);
  if (env.dialect === 'postgres') {
    const storeB = await env.open();
    const b = env.coordinator(storeB);
    await measure(`${env.dialect} two nodes`, a, b);
    await b.close();
    await storeB.close();
  }
  await a.close();
  await store.close();
  await env.dispose();
}
