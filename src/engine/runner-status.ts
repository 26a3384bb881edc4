// A runner's status as GitLab shows it: online when it (or one of its managers) was in contact
// within the last 2 hours, offline after that, never_contacted before its first contact. One copy
// for the UI API, the REST API and /metrics.
import type { Runner, RunnerManager } from './model.js';

/** A runner counts as online when it was in contact within this many ms (GitLab: 2 hours). */
export const ONLINE_WINDOW_MS = 2 * 60 * 60 * 1000;

export type RunnerStatus = 'online' | 'offline' | 'never_contacted';

/** The last contact of the runner or any of its managers (ms since the epoch), or null. */
export function lastContact(runner: Runner, managers: readonly RunnerManager[]): number | null {
  const contacts = [runner.contactedAt, ...managers.map((m) => m.contactedAt)].filter((c): c is string => !!c);
  return contacts.length ? Math.max(...contacts.map((c) => Date.parse(c))) : null;
}

export function runnerStatus(last: number | null, now = Date.now()): RunnerStatus {
  return last === null ? 'never_contacted' : now - last <= ONLINE_WINDOW_MS ? 'online' : 'offline';
}
