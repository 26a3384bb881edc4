// jobs/request with an empty queue through coordinator.requestJob (the engine path; the HTTP
// bench belongs to runner-api). Target: >= 5,000 req/s, p99 < 10 ms.
//   idle:  the runner echoes lastUpdate (the steady state of an idle runner): no DB query
//   first: no lastUpdate (a runner's first poll, or after a restart): one claim query each
// Run: npx tsx bench/queue-request-empty.ts   (BENCH_DIALECTS=sqlite|postgres to pick)
import { environments, never, summary } from './queue-support.js';

const N = Number(process.env.BENCH_N ?? 20_000);
const CONCURRENCY = 50;

for (const env of await environments()) {
  const store = await env.open();
  const c = env.coordinator(store);
  const runners = await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => c.createRunner({ tags: [`t${i % 5}`], runUntagged: false })));
  for (const mode of ['idle', 'first'] as const) {
    const lat: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      runners.map(async ({ runner }) => {
        let lastUpdate: string | undefined;
        while (next++ < N) {
          const s = performance.now();
          const r = await c.requestJob({ runner, lastUpdate: mode === 'idle' ? lastUpdate : undefined, holdMs: 0, signal: never });
          lat.push(performance.now() - s);
          if (r.kind === 'none') lastUpdate = r.lastUpdate;
        }
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    console.log(summary(`${env.dialect} request empty queue (${mode}, ${CONCURRENCY} concurrent)`, lat, `rate=${Math.round(lat.length / secs)} req/s`));
  }
  await c.close();
  await store.close();
  await env.dispose();
}
