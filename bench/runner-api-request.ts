// Benchmark: POST /api/v4/jobs/request on an empty queue over HTTP (keep-alive), the server in a
// child process with long polling off (every request answered 204 at once). Prints req/s and
// latency percentiles, and store calls per request (expected 0 once last_update is current).
//   npx tsx bench/runner-api-request.ts [seconds=10] [connections=16]
import { performance } from 'node:perf_hooks';
import { request, summary } from './runner-api-bench-client.js';
import { startBenchServer } from './runner-api-bench-server.js';

const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 16);
const server = await startBenchServer({ longPollMs: 0 });
const tokens: string[] = await server.rpc('runners', { count: connections, tags: ['bench-idle'] });
const url = `${server.url}/api/v4/jobs/request`;
const info = { name: 'gitlab-runner', version: '18.5.0', executor: 'shell', features: { cancelable: true, two_phase_job_commit: true } };

const lastUpdates = new Map<string, string>();

async function loop(token: string, until: number, latencies: number[]) {
  let lastUpdate = lastUpdates.get(token);
  while (performance.now() < until) {
    const started = performance.now();
    const body = JSON.stringify({ token, system_id: 's_benchbench00', info, ...(lastUpdate ? { last_update: lastUpdate } : {}) });
    const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'runner-token': token }, body });
    latencies.push(performance.now() - started);
    if (res.status !== 204) throw new Error(`unexpected ${res.status}`);
    lastUpdate = res.headers['x-gitlab-last-update'] as string;
  }
  if (lastUpdate) lastUpdates.set(token, lastUpdate);
}

// Warm-up (JIT, caches, first contact of each runner manager).
await Promise.all(tokens.map((t) => loop(t, performance.now() + 1000, [])));
const before = await server.rpc('stats');
const latencies: number[] = [];
const started = performance.now();
await Promise.all(tokens.map((t) => loop(t, started + seconds * 1000, latencies)));
const elapsed = (performance.now() - started) / 1000;
const after = await server.rpc('stats');
console.log(`jobs/request (empty queue, ${connections} keep-alive connections, ${seconds}s)`);
console.log(`  ${(latencies.length / elapsed).toFixed(0)} req/s  ${summary(latencies)}`);
console.log(`  server CPU ${((after.cpuMs - before.cpuMs) / elapsed / 10).toFixed(0)}% of one core, store calls per request ${((after.storeCalls - before.storeCalls) / latencies.length).toFixed(4)}`);
await server.close();
process.exit(0);
