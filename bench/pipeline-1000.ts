// A 1,000-job pipeline: 5 stages of 200 jobs; in stages 2-5 every other job has `needs` on two
// jobs of the previous stage (a DAG), the rest are stage-ordered. Measures creation time (target
// < 1 s) and the makespan with no-op jobs and 50 runner workers going through requestJob/updateJob.
// Run: npx tsx bench/pipeline-1000.ts
import type { PlanJob } from '../src/ci/plan.js';
import { job, need, planOf } from '../src/engine/test-support/plan-builder.js';
import { environments, summary } from './queue-support.js';

const STAGES = ['s1', 's2', 's3', 's4', 's5'];
const PER_STAGE = 200;
const WORKERS = 50;

function plan() {
  const jobs: PlanJob[] = [];
  STAGES.forEach((stage, si) => {
    for (let i = 0; i < PER_STAGE; i++) {
      const needs = si > 0 && i % 2 === 0 ? [need(`${STAGES[si - 1]}-${i}`), need(`${STAGES[si - 1]}-${(i + 1) % PER_STAGE}`)] : null;
      jobs.push(job(`${stage}-${i}`, { stage, needs, script: ['true'] }));
    }
  });
  return planOf(STAGES, jobs);
}

for (const env of await environments()) {
  const store = await env.open();
  const c = env.coordinator(store, { queueFallbackPollMs: 0 });
  const project = await c.ensureProject('bench/pipeline');
  const creation: number[] = [];
  for (let i = 0; i < 3; i++) {
    const p = plan();
    const t = performance.now();
    const d = await c.createPipeline({ projectId: project.id, ref: `warm${i}`, isTag: false, sha: 'a'.repeat(40), source: 'push', plan: p });
    creation.push(performance.now() - t);
    await c.cancelPipeline(d.pipeline.id);
  }
  console.log(summary(`${env.dialect} create 1,000-job pipeline (5 stages + needs DAG)`, creation));

  const runners = await Promise.all(Array.from({ length: WORKERS }, () => c.createRunner({})));
  const t0 = performance.now();
  const { pipeline } = await c.createPipeline({ projectId: project.id, ref: 'main', isTag: false, sha: 'b'.repeat(40), source: 'push', plan: plan() });
  let done = false;
  const off = c.subscribe((e) => {
    if (e.type === 'pipeline' && e.pipeline.id === pipeline.id && ['success', 'failed', 'canceled'].includes(e.pipeline.status)) done = true;
  });
  let ran = 0;
  const finishLat: number[] = [];
  await Promise.all(
    runners.map(async ({ runner }) => {
      let lastUpdate: string | undefined;
      const ac = new AbortController();
      while (!done) {
        const r = await c.requestJob({ runner, lastUpdate, holdMs: 200, signal: ac.signal });
        if (r.kind === 'none') {
          lastUpdate = r.lastUpdate;
          continue;
        }
        ran++;
        const s = performance.now();
        await c.updateJob(r.claimed.job, { state: 'success' });
        finishLat.push(performance.now() - s);
      }
    }),
  );
  off();
  const makespan = (performance.now() - t0) / 1000;
  const final = (await c.read.pipeline(pipeline.id))!.pipeline.status;
  console.log(`${env.dialect} makespan 1,000 no-op jobs, ${WORKERS} workers: ${makespan.toFixed(2)} s (${Math.round(ran / makespan)} jobs/s, pipeline ${final}, ran ${ran})`);
  console.log(summary(`${env.dialect} job finish (PUT success -> dependants settled)`, finishLat));
  await c.close();
  await store.close();
  await env.dispose();
}
