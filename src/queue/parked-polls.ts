// Parked long polls, indexed by runner class (same tags/run_untagged/protected/project/features).
//
// Per class: a tick (its queue version) and the parked waiters, oldest first.
//   publish(entries) or a cross-node notification
//     -> for each known class matching k > 0 entries: tick++, wake its k oldest waiters
//   waitForChange(m, since): version(m) != since -> true at once; else park until woken (true),
//     timeout or abort (false).
//   releaseRunner(id): the runner changed; its parked polls return (true) and re-read it.
//   wakeOne(m): a woken waiter that got a job (or gave up) passes the baton to the next waiter of
//     its class, so a burst keeps being drained until a claim finds nothing.
// Classes that match none of the entries are not touched (no broadcast). The fallback poll
// (multi-node) re-reads the pending table and treats job ids it has not seen as new.
import { randomBytes } from 'node:crypto';
import type { PendingEntry, RunnerMatch } from '../store/ports.js';
import { matches, matchKey } from './matches.js';
import type { JobQueue, JobQueueOptions } from './job-queue.js';

interface Waiter {
  runnerId: number;
  resolve(changed: boolean): void;
}

interface RunnerClass {
  id: number;
  match: RunnerMatch;
  tick: number;
  waiters: Set<Waiter>;
}

export function createParkedPolls(opts: JobQueueOptions): JobQueue {
  const epoch = randomBytes(4).toString('hex');
  const classes = new Map<string, RunnerClass>();
  let nextClassId = 1;
  let parked = 0;
  const seen = new Set<number>();

  const classOf = (m: RunnerMatch): RunnerClass => {
    const key = matchKey(m);
    let c = classes.get(key);
    if (!c) {
      c = { id: nextClassId++, match: { ...m, runnerId: 0 }, tick: 0, waiters: new Set() };
      classes.set(key, c);
    }
    return c;
  };
  const versionOf = (c: RunnerClass) => `${epoch}-${c.id}-${c.tick}`;

  const wake = (c: RunnerClass, count: number) => {
    const woken: Waiter[] = [];
    for (const w of c.waiters) {
      if (woken.length >= count) break;
      woken.push(w);
    }
    for (const w of woken) w.resolve(true);
  };

  const onEntries = (entries: PendingEntry[] | 'refresh') => {
    if (entries === 'refresh') {
      void refresh(true);
      return;
    }
    for (const e of entries) rememberSeen(e.jobId);
    for (const c of classes.values()) {
      let k = 0;
      for (const e of entries) if (matches(c.match, e)) k++;
      if (k > 0) {
        c.tick++;
        wake(c, k);
      }
    }
  };

  const rememberSeen = (id: number) => {
    seen.add(id);
    if (seen.size > 100_000) {
      const drop = seen.size - 50_000;
      let i = 0;
      for (const v of seen) {
        if (i++ >= drop) break;
        seen.delete(v);
      }
    }
  };

  let refreshing = false;
  const refresh = async (all: boolean) => {
    if (refreshing) return;
    refreshing = true;
    try {
      const list = await opts.pending.list(1000);
      const fresh = all ? list : list.filter((e) => !seen.has(e.jobId));
      if (fresh.length) onEntries(fresh);
    } catch {
      // the next fallback tick retries
    } finally {
      refreshing = false;
    }
  };

  const unsubscribe = opts.signal.subscribe(onEntries);
  const timer = opts.fallbackPollMs > 0 ? setInterval(() => void refresh(false), opts.fallbackPollMs) : null;
  timer?.unref();

  return {
    version: (m) => versionOf(classOf(m)),
    waitForChange(m, since, ms, signal) {
      const c = classOf(m);
      if (versionOf(c) !== since) return Promise.resolve(true);
      if (signal.aborted || ms <= 0) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        let settled = false;
        const done = (changed: boolean) => {
          if (settled) return;
          settled = true;
          clearTimeout(t);
          signal.removeEventListener('abort', onAbort);
          c.waiters.delete(w);
          parked--;
          resolve(changed);
        };
        const w: Waiter = { runnerId: m.runnerId, resolve: done };
        const onAbort = () => done(false);
        const t = setTimeout(() => done(false), ms);
        signal.addEventListener('abort', onAbort, { once: true });
        c.waiters.add(w);
        parked++;
      });
    },
    publish: (entries) => opts.signal.publish(entries),
    wakeOne: (m) => wake(classOf(m), 1),
    releaseRunner(runnerId) {
      for (const c of classes.values()) for (const w of [...c.waiters]) if (w.runnerId === runnerId) w.resolve(true);
    },
    parkedCount: () => parked,
    close() {
      unsubscribe();
      if (timer) clearInterval(timer);
      for (const c of classes.values()) {
        const ws = [...c.waiters];
        for (const w of ws) w.resolve(false);
      }
    },
  };
}
