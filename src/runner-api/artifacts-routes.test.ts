// Conformance: artifact upload and download as gitlab-runner-helper's artifacts-uploader and
// artifacts-downloader call them (reference §5), over real HTTP; access rules between jobs.
import { createHash } from 'node:crypto';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipOf } from '../artifacts/test-support/zip-of.js';
import { sweepExpiredArtifacts } from '../artifacts/expiry-sweeper.js';
import { job as planJob, need, planOf } from '../engine/test-support/plan-builder.js';
import { checkJobPayload } from './test-support/json-schema-check.js';
import { call, RunnerClient } from './test-support/runner-client.js';
import { startRunnerApiTestServer, type RunnerApiTestServer } from './test-support/start-test-server.js';
import type { JobPayload } from './protocol.js';

const artifacts = { name: null, paths: ['out/'], exclude: [], untracked: false, when: 'on_success' as const, expireIn: null, exposeAs: null, reports: { dotenv: ['build.env'] } };

describe('artifacts (§5)', () => {
  let t: RunnerApiTestServer;
  let seq = 0;
  beforeAll(async () => {
    t = await startRunnerApiTestServer({ longPollMs: 300, maxArtifactBytes: 1024 * 1024 });
  });
  afterAll(async () => {
    await t.close();
  });

  async function buildAndTest() {
    const tag = `a${++seq}`;
    const { token } = await t.createRunner({ tags: [tag], runUntagged: false });
    const client = new RunnerClient(t.url, token);
    const { pipeline } = await t.createPipeline(
      planOf(['build', 'test'], [
        planJob('build', { stage: 'build', tags: [tag], artifacts }),
        planJob('test', { stage: 'test', tags: [tag], needs: [need('build')] }),
        planJob('unrelated', { stage: 'test', tags: [tag], needs: [] }),
      ]),
    );
    return { client, pipeline, tag };
  }

  async function claim(client: RunnerClient, name: string): Promise<JobPayload> {
    for (let i = 0; i < 5; i++) {
      const { job } = await client.requestJob();
      if (job?.job_info.name === name) return job;
      if (job) await client.updateJob(job, { state: 'success' });
    }
    throw new Error(`no job ${name}`);
  }

  it('uploads the archive and a dotenv report; the dependent job downloads it and gets the variables', async () => {
    const { client } = await buildAndTest();
    const build = await claim(client, 'build');
    expect(build.artifacts.map((a) => [a.artifact_type, a.artifact_format, a.name])).toEqual([
      ['archive', 'zip', ''],
      ['dotenv', 'gzip', '.env'],
    ]);
    const zip = await zipOf({ 'out/result.txt': 'built!' });
    const up = await client.uploadArtifact(build, zip, { artifact_format: 'zip', artifact_type: 'archive', expire_in: '1 day' });
    expect(up.status).toBe(201);
    const dotenv = gzipSync('VERSION=1.2.3\n# comment\nexport MODE="release"\n');
    expect((await client.uploadArtifact(build, dotenv, { artifact_format: 'gzip', artifact_type: 'dotenv' }, '.env.gz')).status).toBe(201);
    const stored = await t.coordinator.read.artifacts(build.id);
    const archive = stored.find((a) => a.fileType === 'archive')!;
    expect(archive).toMatchObject({ size: zip.length, sha256: createHash('sha256').update(zip).digest('hex'), fileFormat: 'zip', filename: 'artifacts.zip' });
    const expires = Date.parse(archive.expireAt!) - Date.now();
    expect(expires).toBeGreaterThan(86_000_000);
    expect(expires).toBeLessThan(86_500_000);
    expect(stored.find((a) => a.fileType === 'dotenv')).toMatchObject({ fileFormat: 'gzip' });
    // While it runs, the build job's own token reads its artifacts.
    const own = await client.downloadArtifacts(build.id, build.token);
    expect(own.status).toBe(200);
    expect(Buffer.from(await own.arrayBuffer()).equals(zip)).toBe(true);
    expect((await client.updateJob(build, { state: 'success' })).status).toBe(200);

    const test = await claim(client, 'test');
    expect(checkJobPayload(test)).toEqual([]);
    expect(test.dependencies).toEqual([{ id: build.id, name: 'build', token: test.token, artifacts_file: { filename: 'artifacts.zip', size: zip.length } }]);
    expect(test.variables.find((v) => v.key === 'VERSION')).toMatchObject({ value: '1.2.3', public: false });
    expect(test.variables.find((v) => v.key === 'MODE')?.value).toBe('release');

    // Download with the dependent (running) job's token, direct_download as the runner sends it.
    const dl = await client.downloadArtifacts(build.id, test.token);
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-type')).toBe('application/zip');
    expect(Buffer.from(await dl.arrayBuffer()).equals(zip)).toBe(true);
    const plain = await client.downloadArtifacts(build.id, test.token, false);
    expect(plain.status).toBe(200);
    await plain.arrayBuffer();
    // Byte ranges.
    const ranged = await fetch(`${t.url}/api/v4/jobs/${build.id}/artifacts`, { headers: { 'job-token': test.token, range: 'bytes=0-3' } });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(zip.subarray(0, 4))).toBe(true);

    // Finished, the build job's token is no longer valid, for its own artifacts too.
    expect((await client.downloadArtifacts(build.id, build.token)).status).toBe(403);
    // A job of the same pipeline that does not depend on it: 403.
    const unrelated = await claim(client, 'unrelated');
    expect((await client.downloadArtifacts(build.id, unrelated.token)).status).toBe(403);
    // A running job of another pipeline: 403. No token: 401. No archive: 404.
    const other = await buildAndTest();
    const otherBuild = await claim(other.client, 'build');
    expect((await client.downloadArtifacts(build.id, otherBuild.token)).status).toBe(403);
    expect((await fetch(`${t.url}/api/v4/jobs/${build.id}/artifacts`)).status).toBe(401);
    expect((await client.downloadArtifacts(otherBuild.id, otherBuild.token)).status).toBe(404);
    expect((await client.downloadArtifacts(99999999, test.token)).status).toBe(403);
  });

  it('reads the parameters from multipart fields too, and validates them', async () => {
    const { client } = await buildAndTest();
    const build = await claim(client, 'build');
    const form = new FormData();
    form.append('artifact_type', 'junit');
    form.append('artifact_format', 'gzip');
    form.append('file', new Blob([new Uint8Array(gzipSync('<testsuites/>'))]), 'junit.xml.gz');
    const res = await call(`${t.url}/api/v4/jobs/${build.id}/artifacts`, { method: 'POST', headers: { 'job-token': build.token }, body: form });
    expect(res.status).toBe(201);
    expect((await t.coordinator.read.artifacts(build.id)).map((a) => [a.fileType, a.fileFormat, a.filename])).toEqual([['junit', 'gzip', 'junit.xml.gz']]);

    const file = Buffer.from('x');
    expect((await client.uploadArtifact(build, file, { artifact_type: 'nonsense' })).status).toBe(400);
    expect((await client.uploadArtifact(build, file, { artifact_type: 'archive', artifact_format: 'rar' })).status).toBe(400);
    expect((await client.uploadArtifact(build, file, { artifact_type: 'archive', expire_in: 'whenever' })).status).toBe(400);
    // Beyond year 9999 (found by test/faults/route-fuzz.test.ts: was a 500 RangeError).
    expect((await client.uploadArtifact(build, file, { artifact_type: 'archive', expire_in: '99999999999 years' })).status).toBe(400);
    expect((await client.uploadArtifact(build, gzipSync('not a dotenv line'), { artifact_type: 'dotenv', artifact_format: 'gzip' })).status).toBe(400);
    expect((await client.uploadArtifact(build, Buffer.from('garbage'), { artifact_type: 'dotenv', artifact_format: 'gzip' })).status).toBe(400);
    expect((await client.uploadArtifact(build, Buffer.from('A=b\u0000c\n'), { artifact_type: 'dotenv', artifact_format: 'raw' }, '.env')).status).toBe(400);
    expect((await client.uploadArtifact({ id: build.id, token: 'glcbt-wrong' }, file)).status).toBe(403);
    // Not multipart, broken multipart, no file part.
    const url = `${t.url}/api/v4/jobs/${build.id}/artifacts`;
    expect((await call(url, { method: 'POST', headers: { 'job-token': build.token, 'content-type': 'application/json' }, body: '{}' })).status).toBe(400);
    expect(
      (await call(url, { method: 'POST', headers: { 'job-token': build.token, 'content-type': 'multipart/form-data; boundary=XYZ' }, body: '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\npartial' })).status,
    ).toBe(400);
    const noFile = new FormData();
    noFile.append('artifact_type', 'archive');
    expect((await call(url, { method: 'POST', headers: { 'job-token': build.token }, body: noFile })).status).toBe(400);
    // Nothing wrong was stored.
    expect((await t.coordinator.read.artifacts(build.id)).length).toBe(1);

    // Once the job finished, uploads are refused with 403 + Job-Status.
    await client.updateJob(build, { state: 'success' });
    const late = await client.uploadArtifact(build, await zipOf({ a: 'b' }));
    expect(late.status).toBe(403);
    expect(late.headers.get('job-status')).toBe('success');
  });

  it('expire_in: a running pipeline keeps its artifacts past expiry (locked); the sweeper removes none of them', async () => {
    const { client } = await buildAndTest();
    const build = await claim(client, 'build');
    expect((await client.uploadArtifact(build, await zipOf({ 'out/x': 'y' }), { artifact_type: 'archive', artifact_format: 'zip', expire_in: '1 hour' })).status).toBe(201);
    const [archive] = await t.coordinator.read.artifacts(build.id);
    expect(await t.blobs.stat(archive.storageKey)).not.toBeNull();
    const sweep = (now: Date) =>
      sweepExpiredArtifacts({
        blobs: t.blobs,
        now: () => now,
        listExpired: (before, limit) => t.store.artifacts.expired(before, limit),
        removeRecords: (ids) => t.store.artifacts.removeExpired(ids, new Date().toISOString()),
      });
    expect(await sweep(new Date())).toBe(0);
    // past expire_in, but the pipeline still runs: kept, and the job still downloads it
    expect(await sweep(new Date(Date.now() + 2 * 3600_000))).toBe(0);
    expect(await t.blobs.stat(archive.storageKey)).not.toBeNull();
    expect((await client.downloadArtifacts(build.id, build.token)).status).toBe(200);
    // removal once unlocked: test/e2e/artifact-expiry.test.ts
  });

  it('413 from Content-Length before the body is read, and 413 for a chunked body over the limit', async () => {
    const { client } = await buildAndTest();
    const build = await claim(client, 'build');
    const big = Buffer.alloc(2 * 1024 * 1024, 1);
    expect((await client.uploadArtifact(build, big)).status).toBe(413);

    const boundary = 'gcdboundary';
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${t.url}/api/v4/jobs/${build.id}/artifacts?artifact_type=archive&artifact_format=zip`, {
        method: 'POST',
        headers: { 'job-token': build.token, 'content-type': `multipart/form-data; boundary=${boundary}`, 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="artifacts.zip"\r\nContent-Type: application/octet-stream\r\n\r\n`);
      let sent = 0;
      const pump = () => {
        while (sent < 3 * 1024 * 1024) {
          sent += 64 * 1024;
          if (!req.write(Buffer.alloc(64 * 1024, 2))) {
            req.once('drain', pump);
            return;
          }
        }
        req.end(`\r\n--${boundary}--\r\n`);
      };
      pump();
    });
    expect(status).toBe(413);
    expect(await t.coordinator.read.artifacts(build.id)).toEqual([]);
  });
});
