// Port: where artifact archives (and archived traces) live. Streaming only: a blob is never held
// whole in memory. Keys are relative slash-separated names ("jobs/12/archive-3.zip") that an
// adapter must refuse to resolve outside its root.
import type { Readable } from 'node:stream';

export interface BlobPutOptions {
  signal?: AbortSignal;
  /** Refuse (payload_too_large) once more than this many bytes arrive; nothing is kept. */
  maxBytes?: number;
}

export interface BlobPutResult {
  size: number;
  /** Hex SHA-256 of the stored bytes. */
  sha256: string;
}

export interface BlobStat {
  size: number;
}

export interface BlobStore {
  /** Streams `body` into `key` (replacing it atomically when complete). */
  put(key: string, body: Readable | AsyncIterable<Uint8Array>, options?: BlobPutOptions): Promise<BlobPutResult>;
  /** A readable stream of the blob; rejects with not_found when it does not exist. */
  get(key: string, range?: { start?: number; end?: number }): Promise<Readable>;
  stat(key: string): Promise<BlobStat | null>;
  /** Removes the blob; no error when it is already gone. */
  remove(key: string): Promise<void>;
}
