// Filesystem adapter of the BlobStore port. A put streams into a temporary file in
// `<dir>/.tmp/` (hashing and counting on the way) and renames it into place once complete, so a
// reader never sees a half-written blob and an aborted or oversized upload leaves nothing behind.
// Several dispatcher nodes may share the directory (a shared volume): rename is atomic there too.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError, notFound } from '../util/errors.js';
import { resolveBlobPath } from './blob-key.js';
import type { BlobPutOptions, BlobPutResult, BlobStat, BlobStore } from './blob-store.js';

export interface FsBlobStoreOptions {
  dir: string;
}

export function createFsBlobStore(options: FsBlobStoreOptions): BlobStore {
  const root = path.resolve(options.dir);
  const tmpDir = path.join(root, '.tmp');

  async function put(
    key: string,
    body: Readable | AsyncIterable<Uint8Array>,
    opts: BlobPutOptions = {},
  ): Promise<BlobPutResult> {
    const target = resolveBlobPath(root, key);
    await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    await mkdir(tmpDir, { recursive: true, mode: 0o700 });
    const tmp = path.join(tmpDir, randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (opts.maxBytes !== undefined && size > opts.maxBytes) {
          callback(new AppError('payload_too_large', `blob larger than ${opts.maxBytes} bytes`));
          return;
        }
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    try {
      await pipeline(body, meter, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }), { signal: opts.signal });
      await rename(tmp, target);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    return { size, sha256: hash.digest('hex') };
  }

  async function statBlob(key: string): Promise<BlobStat | null> {
    try {
      const s = await stat(resolveBlobPath(root, key));
      return s.isFile() ? { size: s.size } : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async function get(key: string, range: { start?: number; end?: number } = {}): Promise<Readable> {
    const s = await statBlob(key);
    if (!s) throw notFound(`blob not found: ${key}`);
    return createReadStream(resolveBlobPath(root, key), { start: range.start, end: range.end });
  }

  async function remove(key: string): Promise<void> {
    await rm(resolveBlobPath(root, key), { force: true });
  }

  return { put, get, stat: statBlob, remove };
}
