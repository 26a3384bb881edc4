// Benchmark: trace ingest over HTTP (server in a child process). 200 running jobs each PATCH a
// 16–64 KiB chunk every 3 s (staggered), while one more job streams 100 MB in 1 MiB patches
// back to back. Prints aggregate MB/s and PATCH latency percentiles for both kinds.
//   npx tsx bench/trace-ingest.ts [jobs=200] [bigMB=100] [seconds=20]
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { mb, request, summary } from './runner-api-bench-client.js';
import { startBenchServer } from './runner-api-bench-server.js';

const jobs = Number(process.argv[2] ?? 200);
const bigMB = Number(process.argv[3] ?? 100);
const seconds = Number(process.argv[4] ?? 20);
const server = await startBenchServer({ longPollMs: 0, traceLimitBytes: (bigMB + 8) * 1024 * 1024 });
const [token] = await server.rpc('runners', { count: 1, tags: ['trace'] });
await server.rpc('pipeline', { jobs: jobs + 1, tag: 'trace' });
const claimed: { id: number; token: string }[] = [];
while (claimed.length < jobs + 1) {
  const res = await request(`${server.url}/api/v4/jobs/request`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, info: { name: 'gitlab-runner', version: '18.5.0', features: {} } }),
  });
  if (res.status !== 201) throw new Error(`claim: ${res.status}`);
  const job = JSON.parse(res.body.toString());
  claimed.push({ id: job.id, token: job.token });
}

async function patch(job: { id: number; token: string }, offset: number, data: Buffer): Promise<number> {
  const res = await request(`${server.url}/api/v4/jobs/${job.id}/trace?debug_trace=false`, {
    method: 'PATCH',
    headers: { 'job-token': job.token, 'content-type': 'text/plain', 'content-range': `${offset}-${offset + data.length - 1}` },
    body: data,
  });
  if (res.status !== 202) throw new Error(`patch: ${res.status} ${res.body}`);
  return Number(String(res.headers.range).split('-')[1]);
}

const statsBefore = await server.rpc('stats');
const small: number[] = [];
const big: number[] = [];
let bytes = 0;
const pool = randomBytes(1024 * 1024);
const started = performance.now();
const until = started + seconds * 1000;

async function smallJob(job: { id: number; token: string }, index: number) {
  let offset = 0;
  await new Promise((r) => setTimeout(r, (index / jobs) * 3000));
  while (performance.now() < until) {
    const size = 16 * 1024 + Math.floor(Math.random() * 48 * 1024);
    const t0 = performance.now();
    offset = await patch(job, offset, pool.subarray(0, size));
    small.push(performance.now() - t0);
    bytes += size;
    await new Promise((r) => setTimeout(r, 3000 - (performance.now() - t0)));
  }
}

let bigDone = 0;
let bytesDuringBig = 0;
async function bigJob(job: { id: number; token: string }) {
  let offset = 0;
  for (let i = 0; i < bigMB; i++) {
    const t0 = performance.now();
    offset = await patch(job, offset, pool);
    big.push(performance.now() - t0);
    bytes += pool.length;
  }
  bigDone = performance.now() - started;
  bytesDuringBig = bytes;
}

await Promise.all([bigJob(claimed[jobs]), ...claimed.slice(0, jobs).map((j, i) => smallJob(j, i))]);
const elapsed = (performance.now() - started) / 1000;
const stats = await server.rpc('stats');
console.log(`trace ingest: ${jobs} jobs × 16–64 KiB every 3 s + 1 job × ${bigMB} MiB in 1 MiB patches, ${elapsed.toFixed(1)} s`);
console.log(`  aggregate while the big stream ran: ${mb(bytesDuringBig)} MiB in ${(bigDone / 1000).toFixed(2)} s = ${(bytesDuringBig / 1024 / 1024 / (bigDone / 1000)).toFixed(1)} MiB/s`);
console.log(`  whole run: ${mb(bytes)} MiB, ${(bytes / 1024 / 1024 / elapsed).toFixed(1)} MiB/s (the 200 jobs alone send ~2.6 MiB/s)`);
console.log(`  big stream: ${bigMB} MiB in ${(bigDone / 1000).toFixed(2)} s = ${(bigMB / (bigDone / 1000)).toFixed(1)} MiB/s; PATCH ${summary(big)}`);
console.log(`  small PATCHes: ${summary(small)}`);
console.log(`  server RSS ${mb(stats.rss)} MB; store calls per PATCH ${((stats.storeCalls - statsBefore.storeCalls) / (small.length + big.length)).toFixed(2)} (engine: auth, job read, trace length update)`);
await server.close();
process.exit(0);
