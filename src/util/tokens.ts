// Tokens: random, stored only as a SHA-256 hash, compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random token: prefix + 32 url-safe characters (192 bits). */
export function randomToken(prefix = ''): string {
  return prefix + randomBytes(24).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of two strings (of any length). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/** Does `token` hash to `hash`? Constant time in the hash comparison. */
export function tokenMatches(token: string, hash: string): boolean {
  const h = Buffer.from(hashToken(token), 'hex');
  const expected = Buffer.from(hash, 'hex');
  return h.length === expected.length && timingSafeEqual(h, expected);
}

export const TOKEN_PREFIX = {
  runner: 'glrt-',
  /** Runners registered with a registration token (GitLab's REGISTRATION_RUNNER_TOKEN_PREFIX). */
  registeredRunner: 'glrtr-',
  registration: 'GR1348941',
  job: 'glcbt-',
  admin: 'gcd-admin-',
  user: 'gcd-user-',
} as const;
