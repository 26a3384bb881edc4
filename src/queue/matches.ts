// In-memory twin of the SQL claim condition (store/sql/queue-port.ts): may a runner take a job?
import type { PendingEntry, RunnerMatch } from '../store/ports.js';

export function matches(m: RunnerMatch, e: PendingEntry): boolean {
  if ((e.features | m.features) !== m.features) return false;
  if (e.tags.length === 0) {
    if (!m.runUntagged) return false;
  } else {
    for (const t of e.tags) if (!m.tags.includes(t)) return false;
  }
  if (m.protectedOnly && !e.protected) return false;
  if (m.projectId !== null && m.projectId !== e.projectId) return false;
  return true;
}

/** Runners with equal keys match exactly the same jobs. */
export function matchKey(m: RunnerMatch): string {
  return JSON.stringify([[...new Set(m.tags)].sort(), m.runUntagged, m.protectedOnly, m.projectId, m.features]);
}
