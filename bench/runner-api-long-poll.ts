// Benchmark: 1,000 runners with an idle long poll parked on the server at once (server in a child
// process). Phase A: every runner polls without last_update (one claim attempt each, then the
// request parks). Phase B: when the holds end (204), every runner polls again with the
// X-GitLab-Last-Update it got: these idle polls must park without any store call. Prints the
// server's RSS, CPU while 1,000 polls are parked, and store calls per idle poll.
//   npx tsx bench/runner-api-long-poll.ts [runners=1000] [holdSeconds=8]
import { performance } from 'node:perf_hooks';
import { mb, request } from './runner-api-bench-client.js';
import { startBenchServer } from './runner-api-bench-server.js';

const count = Number(process.argv[2] ?? 1000);
const holdMs = Number(process.argv[3] ?? 8) * 1000;
const server = await startBenchServer({ longPollMs: holdMs });
const tokens: string[] = await server.rpc('runners', { count, tags: ['never-matches'] });
const url = `${server.url}/api/v4/jobs/request`;
const info = { name: 'gitlab-runner', version: '18.5.0', executor: 'docker', features: { cancelable: true, two_phase_job_commit: true } };
await server.rpc('gc');
const base = await server.rpc('stats');

async function poll(token: string, lastUpdate?: string): Promise<string> {
  const body = JSON.stringify({ token, system_id: 's_benchbench00', info, ...(lastUpdate ? { last_update: lastUpdate } : {}) });
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'runner-token': token }, body });
  if (res.status !== 204) throw new Error(`unexpected ${res.status}`);
  return res.headers['x-gitlab-last-update'] as string;
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitParked(n: number) {
  for (let i = 0; i < 200; i++) {
    const s = await server.rpc('stats');
    if (s.parked >= n) return s;
    await wait(50);
  }
  throw new Error('polls did not park');
}

const t0 = performance.now();
const phaseA = tokens.map((t) => poll(t));
const parkedA = await waitParked(count);
console.log(`phase A: ${count} first polls parked in ${((performance.now() - t0) / 1000).toFixed(2)}s, store calls ${parkedA.storeCalls - base.storeCalls} (${((parkedA.storeCalls - base.storeCalls) / count).toFixed(2)}/poll: claim attempt + first contact)`);
const lastUpdates = await Promise.all(phaseA);

const phaseB = tokens.map((t, i) => poll(t, lastUpdates[i]));
await waitParked(count);
await wait(500);
await server.rpc('gc');
const idle0 = await server.rpc('stats');
await wait(Math.max(1000, holdMs - 2500));
const idle1 = await server.rpc('stats');
await Promise.all(phaseB);
const done = await server.rpc('stats');
const idleSeconds = (idle1.cpuMs - idle0.cpuMs) / 1000;
console.log(`phase B: ${count} idle polls with last_update parked, then answered 204 at the end of the hold`);
console.log(`  store calls per idle poll: ${((done.storeCalls - parkedA.storeCalls) / count).toFixed(4)} (${done.storeCalls - parkedA.storeCalls} calls in phase B)`);
console.log(`  server RSS with ${count} parked polls: ${mb(idle1.rss)} MB (heap ${mb(idle1.heap)} MB); before the polls: ${mb(base.rss)} MB`);
console.log(`  server CPU while parked: ${idleSeconds.toFixed(3)} s over ${((Math.max(1000, holdMs - 2500)) / 1000).toFixed(1)} s (${((idleSeconds / (Math.max(1000, holdMs - 2500) / 1000)) * 100).toFixed(1)}% of a core)`);
await server.close();
process.exit(0);
