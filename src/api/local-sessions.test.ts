// run's own admin sessions: a code works once, a session secret is known only to the process
// that issued it, and nothing else is accepted.
import { expect, it } from 'vitest';
import { createLocalSessions } from './local-sessions.js';

it('a code opens one session, once; only issued secrets are sessions', () => {
  const s = createLocalSessions();
  const code = s.issueCode();
  expect(code).toMatch(/^[\w-]{24}$/);
  const secret = s.redeem(code);
  expect(secret).toMatch(/^[\w-]{43}$/);
  expect(s.redeem(code)).toBeNull();
  expect(s.lookup(secret!)).toMatchObject({ scope: 'admin' });
  expect(s.lookup(code)).toBeNull();
  expect(s.lookup('x')).toBeNull();
  expect(s.redeem('')).toBeNull();
  // another process (another run) knows none of them
  expect(createLocalSessions().lookup(secret!)).toBeNull();
  expect(s.issueCode()).not.toBe(code);
});
