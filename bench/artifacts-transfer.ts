// Benchmark: artifacts over HTTP (server in a child process). One 100 MB upload streamed as
// multipart with chunked transfer encoding (as gitlab-runner-helper sends it): MB/s and the
// server's RSS growth. Then 50 concurrent downloads of that archive: aggregate MB/s and latency.
//   npx tsx bench/artifacts-transfer.ts [sizeMB=100] [downloads=50]
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { agent, mb, request, summary } from './runner-api-bench-client.js';
import { startBenchServer } from './runner-api-bench-server.js';

const sizeMB = Number(process.argv[2] ?? 100);
const downloads = Number(process.argv[3] ?? 50);
const server = await startBenchServer({ longPollMs: 0, maxArtifactBytes: (sizeMB + 10) * 1024 * 1024 });
const [token] = await server.rpc('runners', { count: 1, tags: ['art'] });
await server.rpc('pipeline', { jobs: 1, tag: 'art', artifacts: true });
const claim = await request(`${server.url}/api/v4/jobs/request`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ token, info: { name: 'gitlab-runner', features: {} } }),
});
const job = JSON.parse(claim.body.toString()) as { id: number; token: string };

await server.rpc('gc');
const before = await server.rpc('stats');
let peakRss = before.rss;
const sampler = setInterval(async () => {
  const s = await server.rpc('stats');
  peakRss = Math.max(peakRss, s.rss);
}, 50);

const boundary = 'benchboundary7MA4YWxkTrZu0gW';
const chunk = randomBytes(1024 * 1024);
const t0 = performance.now();
const status = await new Promise<number>((resolve, reject) => {
  const req = http.request(`${server.url}/api/v4/jobs/${job.id}/artifacts?artifact_format=zip&artifact_type=archive&expire_in=1%20day`, {
    method: 'POST',
    agent,
    headers: { 'job-token': job.token, 'content-type': `multipart/form-data; boundary=${boundary}`, 'transfer-encoding': 'chunked' },
  });
  req.on('response', (res) => {
    res.resume();
    res.on('end', () => resolve(res.statusCode ?? 0));
  });
  req.on('error', reject);
  req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="artifacts.zip"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  let sent = 0;
  const pump = () => {
    while (sent < sizeMB) {
      sent++;
      if (!req.write(chunk)) {
        req.once('drain', pump);
        return;
      }
    }
    req.end(`\r\n--${boundary}--\r\n`);
  };
  pump();
});
const uploadS = (performance.now() - t0) / 1000;
clearInterval(sampler);
const after = await server.rpc('stats');
peakRss = Math.max(peakRss, after.rss);
if (status !== 201) throw new Error(`upload: ${status}`);
console.log(`upload ${sizeMB} MiB (chunked multipart): ${uploadS.toFixed(2)} s = ${(sizeMB / uploadS).toFixed(0)} MiB/s`);
console.log(`  server RSS before ${mb(before.rss)} MB, peak during upload ${mb(peakRss)} MB (delta ${mb(peakRss - before.rss)} MB)`);

const latencies: number[] = [];
let received = 0;
const d0 = performance.now();
await Promise.all(
  Array.from({ length: downloads }, () =>
    new Promise<void>((resolve, reject) => {
      const s = performance.now();
      http
        .get(`${server.url}/api/v4/jobs/${job.id}/artifacts?direct_download=true`, { agent, headers: { 'job-token': job.token } }, (res) => {
          if (res.statusCode !== 200) reject(new Error(`download ${res.statusCode}`));
          res.on('data', (c: Buffer) => (received += c.length));
          res.on('end', () => {
            latencies.push(performance.now() - s);
            resolve();
          });
        })
        .on('error', reject);
    }),
  ),
);
const downloadS = (performance.now() - d0) / 1000;
const end = await server.rpc('stats');
console.log(`${downloads} concurrent downloads of ${sizeMB} MiB: ${downloadS.toFixed(2)} s, ${mb(received / downloadS)} MiB/s aggregate; ${summary(latencies)}`);
console.log(`  server RSS after downloads ${mb(end.rss)} MB`);
await server.close();
process.exit(0);
