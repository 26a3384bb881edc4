// TraceStore on the filesystem: one file per job (<dir>/<jobId>.log). Appends are serialised per
// job and refused unless they start exactly at the current length (append-only, no gaps). An
// append that fails midway (disk full) is cut back to where it began: all of it or nothing.
// Appends (a runner's PATCH: 4 MiB at most by default) and reads of up to SYNC_BYTES (the check
// of a finished job's trace) are synchronous calls, as the SQLite store's writes are: four system
// calls of a few microseconds each, where the promise API took a thread-pool round trip for each
// (about a tenth of a millisecond a job). Longer reads stay asynchronous.
import { closeSync, createReadStream, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { AppError } from '../util/errors.js';

/** Same shape as engine/trace-store.ts TraceStore (artifacts/ may not import engine/). */
export interface FsTraceStore {
  size(jobId: number): Promise<number>;
  append(jobId: number, offset: number, data: Buffer): Promise<number>;
  read(jobId: number, start?: number, end?: number): Promise<Buffer>;
  stream(jobId: number, start?: number): NodeJS.ReadableStream;
  remove(jobId: number): Promise<void>;
}

const SYNC_BYTES = 1024 * 1024 + 1;

function appendSync(f: string, jobId: number, offset: number, data: Buffer): number {
  const fd = openSync(f, 'a', 0o600);
  try {
    const current = fstatSync(fd).size;
    if (offset !== current) throw new AppError('range_not_satisfiable', `Trace of job ${jobId} is ${current} bytes, not ${offset}`, { length: current });
    let written = 0;
    try {
      while (written < data.length) written += writeSync(fd, data, written, data.length - written);
    } catch (error) {
      if (written > 0) {
        try {
          ftruncateSync(fd, current);
        } catch {}
      }
      throw error;
    }
    return current + data.length;
  } finally {
    closeSync(fd);
  }
}

function readSmallSync(f: string, start: number, end: number): Buffer {
  let fd: number;
  try {
    fd = openSync(f, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw e;
  }
  try {
    const stop = Math.min(end, fstatSync(fd).size);
    if (start >= stop) return Buffer.alloc(0);
    const buf = Buffer.allocUnsafe(stop - start);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, start + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

export function createFsTraceStore(opts: { dir: string }): FsTraceStore {
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const file = (jobId: number) => {
    if (!Number.isSafeInteger(jobId) || jobId < 0) throw new AppError('bad_request', `Bad job id ${jobId}`);
    return path.join(opts.dir, `${jobId}.log`);
  };
  const locks = new Map<number, Promise<unknown>>();
  const serial = <T>(jobId: number, fn: () => Promise<T>): Promise<T> => {
    const prev = locks.get(jobId) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => {});
    locks.set(jobId, tail);
    void tail.then(() => {
      if (locks.get(jobId) === tail) locks.delete(jobId);
    });
    return next;
  };
  const size = async (jobId: number) => {
    try {
      return (await stat(file(jobId))).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw e;
    }
  };

  return {
    size,
    append: (jobId, offset, data) =>
      serial(jobId, async () => appendSync(file(jobId), jobId, offset, data)),
    async read(jobId, start = 0, end) {
      if (end !== undefined && end - start <= SYNC_BYTES) return readSmallSync(file(jobId), start, end);
      let fh;
      try {
        fh = await open(file(jobId), 'r');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
        throw e;
      }
      try {
        const total = (await fh.stat()).size;
        const stop = Math.min(end ?? total, total);
        if (start >= stop) return Buffer.alloc(0);
        const buf = Buffer.alloc(stop - start);
        let got = 0;
        while (got < buf.length) {
          const { bytesRead } = await fh.read(buf, got, buf.length - got, start + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        return buf.subarray(0, got);
      } finally {
        await fh.close();
      }
    },
    stream(jobId, start = 0) {
      const f = file(jobId);
      return existsSync(f) ? createReadStream(f, { start }) : Readable.from([]);
    },
    remove: (jobId) => serial(jobId, () => rm(file(jobId), { force: true })),
  };
}
