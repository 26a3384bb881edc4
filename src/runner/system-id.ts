// The runner's system_id (§1.7): "s_" + 12 hex chars derived from the machine id, or "r_" + 12
// random characters when there is none.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

export function systemId(): string {
  for (const f of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    try {
      const id = readFileSync(f, 'utf8').trim();
      if (id) return `s_${createHash('sha256').update(`gitlab-ci-dispatcher-runner:${id}`).digest('hex').slice(0, 12)}`;
    } catch {}
  }
  return `r_${randomBytes(9).toString('base64url').slice(0, 12)}`;
}
