// What every use case gets: ports, clock, config, queue, and the effects of a transaction that
// are applied only after it commits (events to subscribers, wake-ups of parked polls).
import { EventEmitter } from 'node:events';
import type { JobQueue } from '../queue/port.js';
import type { PendingEntry, Store, StorePorts } from '../store/ports.js';
import type { Clock } from '../util/clock.js';
import type { EngineConfig } from './config.js';
import type { CoordinatorEvent } from './coordinator.js';
import type { Job, Pipeline } from './model.js';
import type { ReadCache } from './read-cache.js';
import type { TraceStore } from './trace-store.js';

export interface EngineContext {
  store: Store;
  traces: TraceStore;
  clock: Clock;
  config: EngineConfig;
  queue: JobQueue;
  events: EventEmitter;
  cache: ReadCache;
  now(): string;
}

/** Collected inside a transaction, flushed after commit. */
export class Effects {
  readonly jobs = new Map<number, Job>();
  readonly pipelines = new Map<number, Pipeline>();
  readonly pending: PendingEntry[] = [];
  readonly touchedPipelines = new Set<number>();
  job(j: Job): void {
    this.jobs.set(j.id, j);
    this.touchedPipelines.add(j.pipelineId);
  }
}

export async function flush(ctx: EngineContext, fx: Effects): Promise<void> {
  for (const job of fx.jobs.values()) emit(ctx, { type: 'job', job });
  for (const pipeline of fx.pipelines.values()) emit(ctx, { type: 'pipeline', pipeline });
  if (fx.pending.length) await ctx.queue.publish(fx.pending).catch(() => {});
}

export function emit(ctx: EngineContext, event: CoordinatorEvent): void {
  try {
    ctx.events.emit('event', event);
  } catch {
    // a failing listener must not break the engine
  }
}

/** PostgreSQL deadlock / serialization failures: the transaction can simply run again. */
function retryable(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return code === '40P01' || code === '40001';
}

/** Runs `fn` in a transaction (again, up to 3 times, after a deadlock) and flushes its effects after commit. */
export async function inTx<T>(ctx: EngineContext, fn: (tx: StorePorts, fx: Effects) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const fx = new Effects();
    try {
      const result = await ctx.store.transaction((tx) => fn(tx, fx));
      await flush(ctx, fx);
      return result;
    } catch (e) {
      if (attempt >= 3 || !retryable(e)) throw e;
    }
  }
}
