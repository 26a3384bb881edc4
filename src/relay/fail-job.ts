// The relay reports to the upstream itself when the launched runner cannot: a launcher that
// never started a runner, an environment that died, the job deadline, a relay shutdown. It
// appends a message to the trace and sends the final PUT, retried with backoff until the upstream
// answers (200, 403/Job-Status canceled|failed, 404) or the deadline passes. The same retry loop
// delivers a final PUT the inner runner gave the relay while the upstream was down.
import type { Upstream } from './upstream.js';
import type { JobSession } from './job-session.js';
import type { RelayLogger } from './logger.js';
import { pause } from '../runner/network/sleep.js';

const RED = '\x1b[31;1m';
const RESET = '\x1b[0;m';

export async function appendTrace(up: Upstream, s: JobSession, text: string, signal?: AbortSignal): Promise<void> {
  const chunk = Buffer.from(text);
  for (let i = 0; i < 3; i++) {
    const r = await up.client.patchTrace(s.jobId, s.jobToken, s.traceLength, chunk, { signal }).catch(() => null);
    if (!r) return;
    if (r.outcome === 'ok') {
      s.traceLength += chunk.length;
      return;
    }
    if (r.outcome === 'range' && r.serverLength !== undefined) {
      s.traceLength = r.serverLength;
      continue;
    }
    return;
  }
}

/** PUT until the upstream settles it or the deadline passes. true when the upstream answered. */
export async function sendFinal(up: Upstream, s: JobSession, body: Record<string, unknown>, opts: { deadline: number; logger: RelayLogger; signal?: AbortSignal }): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const r = await up.client.updateJob(s.jobId, s.jobToken, body as never, opts.signal).catch((e: Error) => ({ outcome: 'failed' as const, status: -1, error: e.message }));
    if (r.outcome === 'ok' || r.outcome === 'abort' || r.outcome === 'not-found') return true;
    if (Date.now() >= opts.deadline || opts.signal?.aborted) return false;
    const wait = r.outcome === 'accepted' ? 3000 : Math.min(30_000, 500 * 2 ** Math.min(attempt - 1, 6));
    opts.logger.warn('final update not accepted upstream, retrying', { job: s.jobId, status: r.status, attempt, waitMs: wait });
    if (!(await pause(Math.min(wait, Math.max(0, opts.deadline - Date.now())), opts.signal))) return false;
  }
}

export async function failUpstream(
  up: Upstream,
  s: JobSession,
  message: string,
  opts: { reason?: string; deadline: number; logger: RelayLogger; signal?: AbortSignal },
): Promise<boolean> {
  await appendTrace(up, s, `\n${RED}ERROR: relay: ${message}${RESET}\n`, opts.signal);
  const ok = await sendFinal(up, s, { state: 'failed', failure_reason: opts.reason ?? 'runner_system_failure' }, opts);
  if (!ok) opts.logger.error('could not fail the job upstream before its deadline', { job: s.jobId });
  return ok;
}
