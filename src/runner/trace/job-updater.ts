// Keeps the coordinator informed about one job (§2.5, §3, §4, §6).
//
// State machine:
//   ack      PUT state=running right after pickup (two-phase commit). abort/404 → drop the job;
//            Job-Status: canceling → the job ends as canceled; anything else → go on.
//   running  every update interval (3 s, or the last X-GitLab-Trace-Update-Interval, ≤ 15 min),
//            or as soon as the unsent log passes `flushBytes`: PATCH the unsent bytes in ≤ 1 MiB
//            chunks with an inclusive Content-Range. 202 → advance; 416 → continue from the
//            server's Range; 404/other → retry next tick; 403 or Job-Status canceled/failed →
//            hard abort; Job-Status canceling → graceful cancel. With nothing sent for
//            `forceSendIntervalMs`, a PUT state=running (keep-alive) with checksum/bytesize.
//   final    interval back to 3 s; loop { send the rest of the log; PUT final state;
//            200/abort/404 → done; 202 → wait, repeat; 412 → resend the log from 0, repeat;
//            other → error } retried with backoff up to `finalRetryLimit` times.
import type { RunnerInfo } from '../../runner-api/protocol.js';
import type { CoordinatorClient, JobSignal } from '../network/coordinator-client.js';
import type { DecodedJob } from '../network/job-payload.js';
import { pause } from '../network/sleep.js';
import type { RunnerLogger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { FailureReason } from '../errors.js';
import { mapFailureReason } from './failure-reason.js';
import type { JobTrace } from './job-trace.js';

export interface JobUpdaterOptions {
  client: CoordinatorClient;
  job: DecodedJob;
  trace: JobTrace;
  info?: RunnerInfo;
  logger?: RunnerLogger;
  updateIntervalMs?: number;
  finalIntervalMs?: number;
  forceSendIntervalMs?: number;
  flushBytes?: number;
  patchLimitBytes?: number;
  finalRetryLimit?: number;
  debugTrace?: boolean;
  /** Job-Status: canceling was seen (once). */
  onCanceling?: () => void;
  /** 403 or Job-Status: canceled|failed was seen (once). */
  onAbort?: (why: string) => void;
  /** Stops every wait and request (runner shutting down hard). */
  signal?: AbortSignal;
}

export interface FinalState {
  state: 'success' | 'failed';
  reason?: FailureReason;
  exitCode?: number;
}

export type AckOutcome = 'continue' | 'drop' | 'canceling';

export class JobUpdater {
  private sent = 0;
  private intervalMs: number;
  private lastContact = Date.now();
  private finishing = false;
  private wake: (() => void) | null = null;
  private loopDone: Promise<void> = Promise.resolve();
  private cancelingSeen = false;
  private abortedWhy: string | null = null;
  private readonly o: Required<Omit<JobUpdaterOptions, 'info' | 'onCanceling' | 'onAbort' | 'signal'>> & JobUpdaterOptions;
  private unsubscribe: () => void = () => {};

  constructor(opts: JobUpdaterOptions) {
    this.o = {
      logger: silentLogger,
      updateIntervalMs: 3000,
      finalIntervalMs: 3000,
      forceSendIntervalMs: 30_000,
      flushBytes: 64 * 1024,
      patchLimitBytes: 1024 * 1024,
      finalRetryLimit: 10,
      debugTrace: false,
      ...opts,
    };
    this.intervalMs = this.o.updateIntervalMs;
  }

  get aborted(): string | null {
    return this.abortedWhy;
  }

  get sentBytes(): number {
    return this.sent;
  }

  async ack(): Promise<AckOutcome> {
    const r = await this.o.client.updateJob(this.o.job.id, this.o.job.token, { state: 'running', info: this.o.info }, this.o.signal);
    this.lastContact = Date.now();
    if (r.outcome === 'abort' || r.outcome === 'not-found') return 'drop';
    if (r.jobStatus === 'canceling') return 'canceling';
    if (r.updateIntervalMs) this.intervalMs = r.updateIntervalMs;
    return 'continue';
  }

  start(): void {
    this.unsubscribe = this.o.trace.onGrow((length) => {
      if (length - this.sent >= this.o.flushBytes) this.wake?.();
    });
    this.loopDone = this.loop();
  }

  private async loop(): Promise<void> {
    while (!this.finishing && !this.o.signal?.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.intervalMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
      this.wake = null;
      if (this.finishing || this.o.signal?.aborted) break;
      try {
        await this.sendLog(false);
        if (!this.abortedWhy && Date.now() - this.lastContact >= this.o.forceSendIntervalMs) await this.touch();
      } catch (e) {
        this.o.logger.debug('trace update failed', { job: this.o.job.id, error: (e as Error).message });
      }
    }
  }

  private async touch(): Promise<void> {
    const t = this.o.trace;
    const r = await this.o.client.updateJob(
      this.o.job.id,
      this.o.job.token,
      { state: 'running', checksum: t.checksum, output: { checksum: t.checksum, bytesize: t.length }, info: this.o.info },
      this.o.signal,
    );
    if (r.outcome !== 'failed') this.lastContact = Date.now();
    this.apply(r);
    if (r.outcome === 'abort') this.abort(`job update answered ${r.status}${r.jobStatus ? ` (Job-Status: ${r.jobStatus})` : ''}`);
  }

  /** Sends the unsent part of the log. In the final flush, failures throw. */
  private async sendLog(final: boolean): Promise<void> {
    let rounds = 0;
    while (this.sent < this.o.trace.length && rounds++ < 10_000) {
      const chunk = this.o.trace.slice(this.sent, this.o.patchLimitBytes);
      const r = await this.o.client.patchTrace(this.o.job.id, this.o.job.token, this.sent, chunk, {
        debugTrace: this.o.debugTrace,
        signal: this.o.signal,
      });
      this.apply(r);
      switch (r.outcome) {
        case 'ok':
          this.sent += chunk.length;
          this.lastContact = Date.now();
          break;
        case 'range':
          this.o.logger.debug('trace range mismatch, resending from server length', { job: this.o.job.id, from: this.sent, server: r.serverLength });
          this.sent = Math.min(r.serverLength!, this.o.trace.length);
          if (!final) return;
          break;
        case 'abort':
          if (!final) this.abort(`trace update answered ${r.status}${r.jobStatus ? ` (Job-Status: ${r.jobStatus})` : ''}`);
          return;
        case 'not-found':
          return;
        case 'failed':
          if (final) throw new Error(`trace patch failed with status ${r.status}`);
          return;
      }
    }
  }

  private apply(r: JobSignal): void {
    if (r.updateIntervalMs && !this.finishing) this.intervalMs = r.updateIntervalMs;
    if (r.jobStatus === 'canceling' && !this.cancelingSeen) {
      this.cancelingSeen = true;
      this.o.onCanceling?.();
    }
  }

  private abort(why: string): void {
    if (this.abortedWhy) return;
    this.abortedWhy = why;
    this.o.onAbort?.(why);
  }

  /** Ends the log, sends the rest and the final state. Never throws. */
  async finish(final: FinalState): Promise<'done' | 'gave-up'> {
    this.finishing = true;
    this.wake?.();
    await this.loopDone;
    this.unsubscribe();
    this.o.trace.end();
    const t = this.o.trace;
    const body = () => ({
      state: final.state,
      ...(final.state === 'failed' ? { failure_reason: mapFailureReason(final.reason, this.o.job.features.failure_reasons) } : {}),
      ...(final.exitCode ? { exit_code: final.exitCode } : {}),
      checksum: t.checksum,
      output: { checksum: t.checksum, bytesize: t.length },
      info: this.o.info,
    });
    for (let attempt = 1; attempt <= this.o.finalRetryLimit; attempt++) {
      try {
        for (;;) {
          await this.sendLog(true);
          const r = await this.o.client.updateJob(this.o.job.id, this.o.job.token, body(), this.o.signal);
          if (r.outcome === 'ok' || r.outcome === 'abort' || r.outcome === 'not-found') return 'done';
          if (r.outcome === 'failed') throw new Error(`final job update failed with status ${r.status}`);
          if (r.outcome === 'trace-reset') this.sent = 0;
          if (!(await pause(this.o.finalIntervalMs, this.o.signal))) return 'gave-up';
        }
      } catch (e) {
        if (this.o.signal?.aborted) return 'gave-up';
        this.o.logger.warn('final job update failed, retrying', { job: this.o.job.id, attempt, error: (e as Error).message });
        const backoff = Math.min(60 * 60_000, 1000 * 2 ** (attempt - 1));
        if (attempt < this.o.finalRetryLimit && !(await pause(backoff, this.o.signal))) return 'gave-up';
      }
    }
    return 'gave-up';
  }
}
