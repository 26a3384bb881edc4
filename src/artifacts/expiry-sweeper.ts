// Artifact expiry: removes blobs whose records say they expired, then the records. The record
// source and sink are injected (the engine/store own the rows; this module owns only the blobs),
// so the engine's sweeper or the server's composition root can call it.
//
// State machine of startArtifactExpirySweeper: idle --(interval)--> sweeping --(batch < size or
// error)--> idle; stop() (or the signal) ends it; a sweep never overlaps the previous one.
import type { BlobStore } from './blob-store.js';

export interface ExpiredArtifact {
  id: number;
  storageKey: string;
}

export interface SweepExpiredOptions {
  blobs: BlobStore;
  /** Artifacts with expireAt <= nowIso, at most `limit`. */
  listExpired(nowIso: string, limit: number): Promise<ExpiredArtifact[]>;
  /** Deletes the records of artifacts whose blobs are gone. */
  removeRecords(ids: number[]): Promise<void>;
  now?: () => Date;
  batchSize?: number;
  signal?: AbortSignal;
}

/** One sweep to completion (batch after batch); returns the number of artifacts removed. */
export async function sweepExpiredArtifacts(options: SweepExpiredOptions): Promise<number> {
  const batchSize = options.batchSize ?? 200;
  const now = options.now ?? (() => new Date());
  let removed = 0;
  for (let round = 0; round < 10_000; round++) {
    if (options.signal?.aborted) break;
    const batch = await options.listExpired(now().toISOString(), batchSize);
    if (batch.length === 0) break;
    for (const artifact of batch) await options.blobs.remove(artifact.storageKey);
    await options.removeRecords(batch.map((a) => a.id));
    removed += batch.length;
    if (batch.length < batchSize) break;
  }
  return removed;
}

export interface ExpirySweeperHandle {
  stop(): void;
  /** Runs one sweep now (waits for a running one first). */
  sweepNow(): Promise<number>;
}

export function startArtifactExpirySweeper(
  options: SweepExpiredOptions & { intervalMs?: number; onError?: (error: unknown) => void },
): ExpirySweeperHandle {
  const intervalMs = options.intervalMs ?? 60_000;
  let running: Promise<number> = Promise.resolve(0);
  let stopped = false;
  const sweepNow = (): Promise<number> => {
    running = running
      .catch(() => 0)
      .then(() => (stopped ? 0 : sweepExpiredArtifacts(options)));
    return running;
  };
  const timer = setInterval(() => {
    sweepNow().catch((error) => options.onError?.(error));
  }, intervalMs);
  timer.unref();
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  options.signal?.addEventListener('abort', stop, { once: true });
  return { stop, sweepNow };
}
