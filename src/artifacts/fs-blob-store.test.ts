import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../util/errors.js';
import { isValidBlobKey } from './blob-key.js';
import type { BlobStore } from './blob-store.js';
import { sweepExpiredArtifacts } from './expiry-sweeper.js';
import { createFsBlobStore } from './fs-blob-store.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function* chunks(count: number, size: number): Generator<Buffer> {
  for (let i = 0; i < count; i++) yield Buffer.alloc(size, i % 251);
}

describe('fs blob store', () => {
  let dir: string;
  let blobs: BlobStore;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-blobs-'));
    blobs = createFsBlobStore({ dir: path.join(dir, 'store') });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('streams a blob in and out with size and sha256', async () => {
    const expected = Buffer.concat([...chunks(20, 65536)]);
    const result = await blobs.put('jobs/1/archive.zip', Readable.from(chunks(20, 65536)));
    expect(result.size).toBe(expected.length);
    expect(result.sha256).toBe(createHash('sha256').update(expected).digest('hex'));
    expect(await blobs.stat('jobs/1/archive.zip')).toEqual({ size: expected.length });
    expect((await readAll(await blobs.get('jobs/1/archive.zip'))).equals(expected)).toBe(true);
    const part = await readAll(await blobs.get('jobs/1/archive.zip', { start: 65536, end: 65536 + 9 }));
    expect(part.equals(expected.subarray(65536, 65546))).toBe(true);
  });

  it('refuses a blob over maxBytes and keeps nothing', async () => {
    await expect(blobs.put('jobs/2/big.zip', Readable.from(chunks(10, 1000)), { maxBytes: 5000 })).rejects.toSatisfy(
      (e: unknown) => e instanceof AppError && e.code === 'payload_too_large',
    );
    expect(await blobs.stat('jobs/2/big.zip')).toBeNull();
    expect(await readdir(path.join(dir, 'store', '.tmp'))).toEqual([]);
  });

  it('an aborted put keeps nothing', async () => {
    const controller = new AbortController();
    async function* slow() {
      yield Buffer.from('first');
      controller.abort();
      yield Buffer.from('second');
    }
    await expect(blobs.put('jobs/3/x', slow(), { signal: controller.signal })).rejects.toThrow();
    expect(await blobs.stat('jobs/3/x')).toBeNull();
    expect(await readdir(path.join(dir, 'store', '.tmp'))).toEqual([]);
  });

  it('rejects keys that could escape the directory', async () => {
    await writeFile(path.join(dir, 'secret'), 'top secret');
    for (const key of ['../secret', '/etc/passwd', 'a/../../secret', 'a//b', '', '.', 'a/./b', '..', 'a\\..\\b', '.tmp/x']) {
      expect(isValidBlobKey(key)).toBe(false);
      await expect(blobs.get(key)).rejects.toSatisfy((e: unknown) => e instanceof AppError && e.code === 'bad_request');
      await expect(blobs.put(key, Readable.from([Buffer.from('x')]))).rejects.toBeInstanceOf(AppError);
    }
    expect(isValidBlobKey('jobs/12/archive-3.zip')).toBe(true);
  });

  it('get of a missing blob is not_found; remove is idempotent', async () => {
    await expect(blobs.get('nope/none')).rejects.toSatisfy((e: unknown) => e instanceof AppError && e.code === 'not_found');
    await blobs.put('gone/soon', Readable.from([Buffer.from('x')]));
    await blobs.remove('gone/soon');
    await blobs.remove('gone/soon');
    expect(await blobs.stat('gone/soon')).toBeNull();
  });

  it('the expiry sweep removes expired blobs then their records', async () => {
    const records = new Map<number, { storageKey: string; expireAt: string }>();
    for (let i = 0; i < 5; i++) {
      const key = `sweep/${i}`;
      await blobs.put(key, Readable.from([Buffer.from(String(i))]));
      records.set(i, { storageKey: key, expireAt: i < 3 ? '2000-01-01T00:00:00.000Z' : '2999-01-01T00:00:00.000Z' });
    }
    const removed = await sweepExpiredArtifacts({
      blobs,
      batchSize: 2,
      listExpired: async (now, limit) =>
        [...records.entries()]
          .filter(([, r]) => r.expireAt <= now)
          .slice(0, limit)
          .map(([id, r]) => ({ id, storageKey: r.storageKey })),
      removeRecords: async (ids) => ids.forEach((id) => records.delete(id)),
    });
    expect(removed).toBe(3);
    expect([...records.keys()]).toEqual([3, 4]);
    expect(await blobs.stat('sweep/0')).toBeNull();
    expect(await blobs.stat('sweep/4')).toEqual({ size: 1 });
  });
});
