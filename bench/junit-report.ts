// Benchmark: reading a large junit report as an upload is read (gzip blob → readJunit → batched
// inserts into SQLite through the engine), issue 18 point 6: "a 10 MB report must not stall the
// server". Prints the time, cases/s, the longest event-loop stall seen meanwhile (a 5 ms ticker)
// and the RSS growth.
//   npx tsx bench/junit-report.ts [megabytes=10]
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { createGunzip, gzipSync } from 'node:zlib';
import { createFsTraceStore } from '../src/artifacts/fs-trace-store.js';
import { createCoordinator } from '../src/engine/create-coordinator.js';
import { job, planOf } from '../src/engine/test-support/plan-builder.js';
import { readJunit } from '../src/runner-api/junit-report.js';
import { openStore } from '../src/store/open-store.js';

const megabytes = Number(process.argv[2] ?? 10);
const parts: string[] = ['<?xml version="1.0"?><testsuites><testsuite name="big">'];
let size = parts[0]!.length;
let n = 0;
while (size < megabytes * 1024 * 1024) {
  const c =
    n % 10 === 0
      ? `<testcase classname="spec.module${n % 97}" name="case ${n} does something" file="spec/m${n % 97}_spec.rb" time="0.0${n % 10}"><failure message="expected true">${'stack line\n'.repeat(20)}</failure><system-out>output ${n}</system-out></testcase>`
      : `<testcase classname="spec.module${n % 97}" name="case ${n} does something" file="spec/m${n % 97}_spec.rb" time="0.0${n % 10}"/>`;
  parts.push(c);
  size += c.length;
  n++;
}
parts.push('</testsuite></testsuites>');
const gz = gzipSync(parts.join(''));
console.log(`report: ${(size / 1024 / 1024).toFixed(1)} MB XML, ${n.toLocaleString('en')} cases, ${(gz.length / 1024 / 1024).toFixed(2)} MB gzip`);

const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-junit-bench-'));
const store = await openStore({ kind: 'sqlite', path: path.join(dir, 'db.sqlite') });
const coordinator = createCoordinator({ store, traces: createFsTraceStore({ dir: path.join(dir, 'traces') }) });
const project = await coordinator.ensureProject('bench/junit');
const d = await coordinator.createPipeline({ projectId: project.id, ref: 'main', isTag: false, sha: 'a'.repeat(40), source: 'push', plan: planOf(['test'], [job('rspec')]) });

// the machine's own noise: the same ticker for 3 s with nothing to do
let idleStall = 0;
{
  let prev = performance.now();
  const idle = setInterval(() => {
    const now = performance.now();
    idleStall = Math.max(idleStall, now - prev - 5);
    prev = now;
  }, 5);
  await new Promise((r) => setTimeout(r, 3000));
  clearInterval(idle);
}

let maxStall = 0;
let last = performance.now();
const ticker = setInterval(() => {
  const now = performance.now();
  maxStall = Math.max(maxStall, now - last - 5);
  last = now;
}, 5);
const rss0 = process.memoryUsage().rss;
let peak = rss0;
const t0 = performance.now();
const summary = await coordinator.storeTestReport(d.jobs[0]!.id, async (sink) => {
  const r = await readJunit(Readable.from([gz]).pipe(createGunzip()), async (cases) => {
    peak = Math.max(peak, process.memoryUsage().rss);
    await sink(cases);
  });
  return { counts: r.counts, error: r.error };
});
const ms = performance.now() - t0;
clearInterval(ticker);
console.log(`stored ${summary.total.toLocaleString('en')} cases (${summary.failed} failed) in ${ms.toFixed(0)} ms: ${Math.round(summary.total / (ms / 1000)).toLocaleString('en')} cases/s`);
console.log(`longest event-loop stall meanwhile: ${maxStall.toFixed(1)} ms (idle baseline on this machine now: ${idleStall.toFixed(1)} ms); RSS +${((peak - rss0) / 1024 / 1024).toFixed(1)} MB`);
const t1 = performance.now();
const report = await coordinator.read.testReport(d.pipeline.id, { cases: true });
console.log(`full pipeline report read back in ${(performance.now() - t1).toFixed(0)} ms (${report!.suites[0]!.testCases!.length.toLocaleString('en')} cases)`);
await coordinator.close();
await store.close();
await rm(dir, { recursive: true, force: true });
