// Group claiming (PostgreSQL): concurrent claims of one runner class share ONE statement, like a
// group commit. Planning, the round trip and the commit are paid once per statement, not per job.
//   idle --claim--> running [a]             (alone, a claim is sent at once)
//   running --claims arrive--> they queue   (they wait for the statement in flight)
//   running --statement done--> each caller of it gets its own row or null;
//                               queued non-empty -> running [next up to `max`], else idle
// At most one statement per class is in flight on this node; other nodes use SKIP LOCKED as usual.
// A caller whose signal aborted while it waited leaves with null before its statement is sent: it
// never takes a job. A sent statement is atomic: every picked job goes to exactly one caller of it,
// or (the statement failed) to none, and then every caller of it gets the error.

export interface Batched {
  signal?: AbortSignal;
}

interface Waiter<M, A, R> {
  match: M;
  assign: A;
  resolve(row: R | null): void;
  reject(error: unknown): void;
}

export function claimBatcher<M, A extends Batched, R>(opts: {
  max: number;
  /** Runs one statement for all `assigns` (same class `match`); row i (or null) belongs to assigns[i]. */
  run(match: M, assigns: A[]): Promise<(R | null)[]>;
}): (key: string, match: M, assign: A) => Promise<R | null> {
  const queues = new Map<string, Waiter<M, A, R>[]>();

  async function drain(key: string, queue: Waiter<M, A, R>[]): Promise<void> {
    while (queue.length) {
      const batch = queue.splice(0, opts.max).filter((w) => {
        if (!w.assign.signal?.aborted) return true;
        w.resolve(null);
        return false;
      });
      if (!batch.length) continue;
      try {
        const rows = await opts.run(batch[0].match, batch.map((w) => w.assign));
        batch.forEach((w, i) => w.resolve(rows[i] ?? null));
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    queues.delete(key);
  }

  return (key, match, assign) =>
    new Promise<R | null>((resolve, reject) => {
      const queue = queues.get(key);
      if (queue) {
        queue.push({ match, assign, resolve, reject });
        return;
      }
      const fresh = [{ match, assign, resolve, reject }];
      queues.set(key, fresh);
      void drain(key, fresh);
    });
}
