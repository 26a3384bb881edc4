// Cron of pipeline schedules, as GitLab reads it: five fields (minute hour day month weekday) in
// an IANA time zone (`cron_timezone`, default UTC). The next run is computed from "now", so a
// schedule that missed runs while the server was down fires once when it is back, not once per
// missed run.
import { Cron } from 'croner';
import { badRequest } from '../util/errors.js';

export function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Throws a 400 naming the problem when `cron` (or the time zone) is not valid. */
export function assertCron(cron: string, timezone: string): void {
  if (!validTimezone(timezone)) throw badRequest(`cron_timezone is invalid: ${JSON.stringify(timezone)} is not a known time zone`);
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) throw badRequest('cron is invalid syntax: five fields are expected (minute hour day-of-month month day-of-week)');
  try {
    const next = new Cron(cron, { timezone, paused: true }).nextRun();
    if (!next) throw new Error('never runs');
  } catch (error) {
    throw badRequest(`cron is invalid syntax: ${(error as Error).message}`);
  }
}

/** The first run strictly after `from`, as ISO-8601 UTC; null when the cron never runs again. */
export function nextCronRun(cron: string, timezone: string, from: Date): string | null {
  const next = new Cron(cron, { timezone, paused: true }).nextRun(from);
  return next ? next.toISOString() : null;
}
