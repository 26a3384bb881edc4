// Admin sessions of this process only, for `run`: its own user gets full control of the UI
// without a token to copy. `run` prints a sign-in link with a one-time code; opening it (from
// loopback) exchanges the code for a session secret in an HttpOnly cookie. Codes and secrets are
// random (18 bytes for a code, 32 for a session), kept only as SHA-256 hashes in memory, and die with the process: nothing is
// written to the data directory, so a later `serve` on it knows none of them.
import { createHash, randomBytes } from 'node:crypto';
import type { ApiToken } from '../engine/model.js';

export interface LocalSessions {
  /** A new one-time sign-in code. */
  issueCode(): string;
  /** Exchanges an unused code for a new session secret; null for an unknown or used code. */
  redeem(code: string): string | null;
  /** The admin identity of a session secret issued here, else null. */
  lookup(secret: string): ApiToken | null;
}

const hash = (s: string) => createHash('sha256').update(s).digest('hex');
const random = (bytes: number) => randomBytes(bytes).toString('base64url');

export function createLocalSessions(opts: { name?: string; now?: () => Date } = {}): LocalSessions {
  const codes = new Set<string>();
  const sessions = new Set<string>();
  const identity: ApiToken = {
    id: 0,
    name: opts.name ?? 'local run',
    scope: 'admin',
    createdAt: (opts.now?.() ?? new Date()).toISOString(),
    userId: null,
    scopes: ['api'],
    projectId: null,
    accessLevel: null,
    expiresAt: null,
    revoked: false,
  };
  return {
    issueCode() {
      const code = random(18);
      codes.add(hash(code));
      return code;
    },
    redeem(code) {
      // Looked up by hash: the time taken tells nothing about the stored codes.
      const h = hash(code);
      if (!codes.delete(h)) return null;
      const secret = random(32);
      sessions.add(hash(secret));
      return secret;
    },
    lookup(secret) {
      return sessions.has(hash(secret)) ? identity : null;
    },
  };
}
