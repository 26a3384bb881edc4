// When and how long gitlab-runner waits before repeating a request (network/retry_requester.go):
// 408, 429, 500, 502, 503, 504 and >= 512 are retried, 5 attempts in total. The wait is the
// RateLimit-ResetTime date if present, else Retry-After seconds, else exponential backoff
// 100 ms .. 60 s with jitter. Transport errors (no HTTP answer) are retried the same way.

export interface RetryPolicy {
  attempts: number;
  minBackoffMs: number;
  maxBackoffMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 5, minBackoffMs: 100, maxBackoffMs: 60_000 };

export function isRetriableStatus(status: number): boolean {
  return status === 408 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504 || status >= 512;
}

/** Milliseconds to wait before attempt `attempt + 1` (attempt counts from 1). */
export function retryDelayMs(policy: RetryPolicy, attempt: number, headers?: { get(name: string): string | null }, now = Date.now()): number {
  const reset = headers?.get('ratelimit-resettime');
  if (reset) {
    const at = Date.parse(reset);
    if (Number.isFinite(at)) return Math.max(0, at - now);
  }
  const after = headers?.get('retry-after');
  if (after && /^\d+$/.test(after.trim())) return Number(after.trim()) * 1000;
  const base = Math.min(policy.maxBackoffMs, policy.minBackoffMs * 2 ** (attempt - 1));
  const jitter = base * 0.2 * Math.random();
  return Math.min(policy.maxBackoffMs, Math.round(base + jitter));
}
