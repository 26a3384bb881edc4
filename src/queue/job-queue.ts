// Types of the queue as the engine sees it (implemented by parked-polls.ts, exported via port.ts).
import type { PendingSignal, QueuePort, RunnerMatch, PendingEntry } from '../store/ports.js';

export interface JobQueue {
  /** Opaque version of the queue as seen by runners matching `m`; changes when a job they may take becomes pending. */
  version(m: RunnerMatch): string;
  /**
   * Parks until the version for `m` differs from `since` (true), or `ms` elapse / `signal` aborts
   * (false). Resolves at once with true if it already differs. No database query.
   */
  waitForChange(m: RunnerMatch, since: string, ms: number, signal: AbortSignal): Promise<boolean>;
  /** Wakes one more parked poll of `m`'s class (the baton after a woken poll claimed a job or left). */
  wakeOne(m: RunnerMatch): void;
  /** Jobs became pending (call after commit): wakes matching parked polls here and on other nodes. */
  publish(entries: PendingEntry[]): Promise<void>;
  /**
   * The runner changed (paused, deleted, tags, run_untagged, access level): its parked polls on
   * this node return at once (true), so they re-read the runner before any claim.
   */
  releaseRunner(runnerId: number): void;
  /** Number of parked polls (metrics, tests). */
  parkedCount(): number;
  close(): void;
}

export interface JobQueueOptions {
  signal: PendingSignal;
  /** Pending table, re-read on 'refresh' and by the fallback poll. */
  pending: QueuePort;
  /** Fallback re-read of the pending table (ms); 0 = off (single node). */
  fallbackPollMs: number;
}
