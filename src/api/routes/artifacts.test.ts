// Broken artifact archives over real HTTP: a corrupt entry, a truncated archive, a blob that is
// not a zip at all. Each answers 422 with the reason (JSON), never a 500, and the server goes on.
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipOf } from '../../artifacts/test-support/zip-of.js';
import { job as planJob, planOf } from '../../engine/test-support/plan-builder.js';
import type { Job } from '../../engine/model.js';
import { createApiHarness, type ApiHarness } from '../test-support/api-harness.js';

let h: ApiHarness;
let refs = 0;

/** The zip with the compressed data of its first entry replaced by bytes inflate refuses. */
function corruptFirstEntry(zip: Buffer): Buffer {
  const out = Buffer.from(zip);
  const nameLength = out.readUInt16LE(26);
  const extraLength = out.readUInt16LE(28);
  const compressedSize = out.readUInt32LE(18) || 8;
  const start = 30 + nameLength + extraLength;
  out.fill(0xff, start, start + compressedSize);
  return out;
}

/** A finished job of a new pipeline with `bytes` stored as its zip archive. */
async function jobWithArchive(bytes: Buffer): Promise<Job> {
  const plan = planOf(['build'], [planJob('art', { stage: 'build' })]);
  const { pipeline } = await h.coordinator.createPipeline({ projectId: h.project.id, ref: `r${++refs}`, isTag: false, sha: 'c0ffee'.padEnd(40, '0'), source: 'push', plan });
  const runner = (await h.coordinator.createRunner({ runUntagged: true })).runner;
  const claimed = await h.coordinator.requestJob({ runner, holdMs: 0, signal: new AbortController().signal });
  if (claimed.kind !== 'job' || claimed.claimed.job.pipelineId !== pipeline.id) throw new Error('no job claimed');
  const job = claimed.claimed.job;
  const key = `jobs/${job.id}/archive.zip`;
  const stored = await h.blobs.put(key, Readable.from([bytes]));
  await h.coordinator.addArtifact({ jobId: job.id, pipelineId: job.pipelineId, fileType: 'archive', fileFormat: 'zip', filename: 'artifacts.zip', size: stored.size, storageKey: key, sha256: stored.sha256, expireAt: null });
  await h.coordinator.updateJob(job, { state: 'success' });
  return job;
}

beforeAll(async () => {
  h = await createApiHarness({ anonymousRead: true });
});
afterAll(async () => h?.close());

describe('broken artifact archives', () => {
  it('a corrupt entry: /file answers 422 JSON with the reason; the listing and the other entries still work', async () => {
    const good = await zipOf({ 'bad.txt': 'x'.repeat(2000), 'good.txt': 'fine\n' });
    const job = await jobWithArchive(corruptFirstEntry(good));
    const res = await h.fetch(`/api/ui/jobs/${job.id}/artifacts/archive/file?path=bad.txt`);
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('content-disposition')).toBeNull();
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe('invalid_config');
    expect(body.message).toMatch(/not a readable zip archive/);
    const download = await h.fetch(`/api/ui/jobs/${job.id}/artifacts/archive/file?path=bad.txt&download=1`);
    expect(download.status).toBe(422);
    await download.arrayBuffer();

    const entries = await h.fetch(`/api/ui/jobs/${job.id}/artifacts/archive/entries`);
    expect(entries.status).toBe(200);
    await entries.arrayBuffer();
    const other = await h.fetch(`/api/ui/jobs/${job.id}/artifacts/archive/file?path=good.txt`);
    expect(other.status).toBe(200);
    expect(await other.text()).toBe('fine\n');
  });

  it('a truncated archive and a blob that is no zip: 422 on the listing and on /file', async () => {
    const whole = await zipOf({ 'a.txt': 'a'.repeat(500) });
    for (const bytes of [whole.subarray(0, whole.length - 10), Buffer.from('this is not a zip file at all, just text')]) {
      const job = await jobWithArchive(bytes);
      for (const path of ['entries', 'file?path=a.txt']) {
        const res = await h.fetch(`/api/ui/jobs/${job.id}/artifacts/archive/${path}`);
        expect(res.status, path).toBe(422);
        expect(((await res.json()) as { message: string }).message).toMatch(/not a readable zip archive/);
      }
      const whole = await h.fetch(`/api/ui/jobs/${job.id}/artifacts/archive/download`);
      expect(whole.status).toBe(200);
      expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
    }
  });

  it('a stored entry whose data is cut short: 422, and the server keeps answering', async () => {
    const stored = await zipOf({ 'raw.bin': 'r'.repeat(4000) }, { compress: false });
    // Cut the stored data in half: the local header still claims 4000 bytes.
    const nameLength = stored.readUInt16LE(26);
    const start = 30 + nameLength + stored.readUInt16LE(28);
    const cut = Buffer.concat([stored.subarray(0, start + 2000), stored.subarray(start + 4000)]);
    const job = await jobWithArchive(cut);
    const res = await h.fetch(`/api/ui/jobs/${job.id}/artifacts/archive/file?path=raw.bin`);
    expect(res.status).toBe(422);
    await res.arrayBuffer();
    expect((await h.fetch('/api/ui/projects')).status).toBe(200);
  });
});
