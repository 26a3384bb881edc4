// Claim under contention: 10,000 pending jobs, 200 requesters calling coordinator.requestJob in a
// loop (each claimed job is finished right away so pipelines stay realistic). Target:
// >= 2,000 assignments/s, 0 double assignments.
// With BENCH_NODES=2 (PostgreSQL only) two coordinators, each with its own store and pool, share
// the database and split the requesters, as two dispatcher nodes would (anchor: >= 1,500/s).
// Run: npx tsx bench/queue-claim-contention.ts
import { job, planOf } from '../src/engine/test-support/plan-builder.js';
import { environments, never, summary } from './queue-support.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 10_000);
const REQUESTERS = 200;
const NODES = Number(process.env.BENCH_NODES ?? 1);

for (const env of await environments()) {
  const store = await env.open();
  const c = env.coordinator(store);
  const project = await c.ensureProject('bench/contention');
  const t0 = performance.now();
  // 10 pipelines of 1,000 single-stage jobs
  for (let p = 0; p < JOBS / 1000; p++) {
    await c.createPipeline({ projectId: project.id, ref: `b${p}`, isTag: false, sha: 'f'.repeat(40), source: 'push', plan: planOf(['t'], Array.from({ length: 1000 }, (_, i) => job(`j${i}`, { stage: 't' }))) });
  }
  console.log(`${env.dialect}: enqueued ${JOBS} jobs in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  const nodes = NODES > 1 && env.dialect === 'postgres' ? NODES : 1;
  const others = await Promise.all(Array.from({ length: nodes - 1 }, async () => {
    const s = await env.open();
    return { store: s, c: env.coordinator(s) };
  }));
  const coordinators = [c, ...others.map((o) => o.c)];
  const runners = await Promise.all(Array.from({ length: REQUESTERS }, async (_, i) => ({ ...(await c.createRunner({})), node: coordinators[i % nodes] })));
  const owner = new Map<number, number>();
  let doubles = 0;
  const lat: number[] = [];
  const t1 = performance.now();
  await Promise.all(
    runners.map(async ({ runner, node }) => {
      for (;;) {
        const s = performance.now();
        const r = await node.requestJob({ runner, holdMs: 0, signal: never });
        if (r.kind === 'none') return;
        lat.push(performance.now() - s);
        if (owner.has(r.claimed.job.id)) doubles++;
        owner.set(r.claimed.job.id, runner.id);
      }
    }),
  );
  const secs = (performance.now() - t1) / 1000;
  console.log(summary(`${env.dialect} claim (${JOBS} pending, ${REQUESTERS} requesters, ${nodes} node${nodes > 1 ? 's' : ''})`, lat, `rate=${Math.round(owner.size / secs)} assignments/s assigned=${owner.size} double=${doubles}`));
  for (const o of others) {
    await o.c.close();
    await o.store.close();
  }
  await c.close();
  await store.close();
  await env.dispose();
}
