// Reading artifact zips without holding them in memory: list the central directory and stream one
// entry out. The archive is reached through a ranged-read source (a file, or any blob store that
// can serve byte ranges), so only the central directory and the wanted entry are read.
//
// Safety: entry names are validated by yauzl (no absolute paths, no "..", no backslashes), so a
// name never escapes when a caller writes it somewhere; the number of entries examined is capped
// (an archive may claim billions); an entry's stream is checked against its declared size.
import { open as openFile } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { AppError, badRequest, notFound } from '../util/errors.js';
import type { BlobStore } from './blob-store.js';

/** Byte-range access to a zip archive. `end` is exclusive. */
export interface ZipSource {
  size: number;
  createReadStream(start: number, end: number): Readable;
}

export interface ZipEntryInfo {
  /** Path inside the archive, "/" separated; directories end with "/". */
  path: string;
  directory: boolean;
  size: number;
  compressedSize: number;
  modifiedAt: string;
}

export interface ZipListing {
  entries: ZipEntryInfo[];
  /** Entry count the archive declares. */
  total: number;
  /** True when `total` exceeds the limit and the listing stops early. */
  truncated: boolean;
}

export interface ZipReadOptions {
  signal?: AbortSignal;
  /** Most entries listed (or scanned to find one). Default 100,000. */
  limit?: number;
}

const DEFAULT_LIMIT = 100_000;

/** A ZipSource over a file on disk (ranges are read with fresh streams, no fd is kept open). */
export async function zipSourceFromFile(path: string): Promise<ZipSource> {
  const { createReadStream } = await import('node:fs');
  const handle = await openFile(path, 'r');
  let size: number;
  try {
    size = (await handle.stat()).size;
  } finally {
    await handle.close();
  }
  return {
    size,
    createReadStream: (start, end) => (end <= start ? emptyStream() : createReadStream(path, { start, end: end - 1 })),
  };
}

/** A ZipSource over a blob of a BlobStore (whose ranges are inclusive); not_found when absent. */
export async function zipSourceFromBlob(blobs: BlobStore, key: string): Promise<ZipSource> {
  const stat = await blobs.stat(key);
  if (!stat) throw notFound(`artifact file is missing: ${key}`);
  return {
    size: stat.size,
    createReadStream: (start, end) => {
      if (end <= start) return emptyStream();
      const out = new PassThrough();
      blobs.get(key, { start, end: end - 1 }).then(
        (inner) => {
          inner.on('error', (error) => out.destroy(error));
          inner.pipe(out);
        },
        (error: Error) => out.destroy(error),
      );
      return out;
    },
  };
}

function emptyStream(): Readable {
  const s = new PassThrough();
  s.end();
  return s;
}

class SourceReader extends yauzl.RandomAccessReader {
  constructor(private readonly source: ZipSource) {
    super();
  }
  override _readStreamForRange(start: number, end: number): Readable {
    return this.source.createReadStream(start, end);
  }
}

function invalidZip(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AppError('invalid_config', `not a readable zip archive: ${message}`);
}

async function openZip(source: ZipSource): Promise<ZipFile> {
  try {
    return await yauzl.fromRandomAccessReaderPromise(new SourceReader(source), source.size, {
      lazyEntries: true,
      autoClose: false,
      decodeStrings: true,
      validateEntrySizes: true,
      strictFileNames: true,
    });
  } catch (error) {
    throw invalidZip(error);
  }
}

function describe(entry: Entry): ZipEntryInfo {
  let modifiedAt: string;
  try {
    modifiedAt = entry.getLastModDate({ timezone: 'UTC' }).toISOString();
  } catch {
    modifiedAt = new Date(0).toISOString();
  }
  const directory = entry.fileName.endsWith('/');
  return {
    path: entry.fileName,
    directory,
    size: directory ? 0 : entry.uncompressedSize,
    compressedSize: entry.compressedSize,
    modifiedAt,
  };
}

/**
 * Walks the central directory, calling `visit` per entry until it returns true (stop), the limit is
 * reached, or the entries end. Resolves with the number of entries visited.
 */
function walk(zip: ZipFile, limit: number, signal: AbortSignal | undefined, visit: (entry: Entry) => boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    const finish = (error?: unknown) => {
      zip.removeAllListeners('entry');
      zip.removeAllListeners('end');
      zip.removeAllListeners('error');
      zip.on('error', () => {});
      signal?.removeEventListener('abort', onAbort);
      if (error) reject(invalidZip(error));
      else resolve(seen);
    };
    const onAbort = () => finish(new AppError('unavailable', 'aborted'));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    zip.on('error', finish);
    zip.on('end', () => finish());
    zip.on('entry', (entry: Entry) => {
      seen++;
      if (visit(entry) || seen >= limit) return finish();
      zip.readEntry();
    });
    zip.readEntry();
  });
}

/** Lists the archive's entries in central-directory order (at most `limit`). */
export async function listZipEntries(source: ZipSource, options: ZipReadOptions = {}): Promise<ZipListing> {
  const limit = Math.max(1, options.limit ?? DEFAULT_LIMIT);
  const zip = await openZip(source);
  try {
    const entries: ZipEntryInfo[] = [];
    await walk(zip, limit, options.signal, (entry) => {
      entries.push(describe(entry));
      return false;
    });
    return { entries, total: zip.entryCount, truncated: zip.entryCount > entries.length };
  } finally {
    zip.close();
  }
}

/** Normalises a requested path: no leading "/" or "./", no ".." or empty segments. */
export function normaliseEntryPath(path: string): string {
  const parts = path.replace(/^\/+/, '').split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..' || part.includes('\\') || part.includes('\0')) throw badRequest(`invalid path: ${JSON.stringify(path)}`);
    out.push(part);
  }
  if (out.length === 0) throw badRequest('empty path');
  return out.join('/');
}

/**
 * Opens one file of the archive as a stream. Rejects with not_found when no file has that path
 * (directories are not files), bad_request for an invalid path or an entry that cannot be decoded.
 * The zip stays open until the returned stream ends or is destroyed.
 */
export async function openZipEntry(
  source: ZipSource,
  path: string,
  options: ZipReadOptions = {},
): Promise<{ entry: ZipEntryInfo; stream: Readable }> {
  const wanted = normaliseEntryPath(path);
  const limit = Math.max(1, options.limit ?? DEFAULT_LIMIT);
  const zip = await openZip(source);
  let found: Entry | undefined;
  try {
    await walk(zip, limit, options.signal, (entry) => {
      if (entry.fileName === wanted) found = entry;
      return found !== undefined;
    });
    if (!found) throw notFound(`no file ${JSON.stringify(wanted)} in the archive`);
    if (found.isEncrypted() || !found.canDecodeFileData()) throw badRequest(`cannot decode ${JSON.stringify(wanted)} (encrypted or unsupported compression)`);
    const inner = await zip.openReadStreamPromise(found);
    const entry = describe(found);
    const out = new PassThrough();
    const close = () => zip.close();
    inner.on('error', (error) => out.destroy(invalidZip(error)));
    out.on('close', () => {
      inner.destroy();
      close();
    });
    inner.pipe(out);
    return { entry, stream: out };
  } catch (error) {
    zip.close();
    throw invalidZip(error);
  }
}
