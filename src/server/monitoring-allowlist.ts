// Who may read the unauthenticated monitoring endpoints (/metrics, /-/health, /-/readiness,
// /-/liveness): GitLab's monitoring IP allowlist, default loopback only (127.0.0.0/8, ::1/128).
// Others get 404, as GitLab answers them.
import net from 'node:net';
import { AppError } from '../util/errors.js';

export const DEFAULT_MONITORING_CIDRS: readonly string[] = ['127.0.0.0/8', '::1/128'];

export interface MonitoringAllowlist {
  allows(address: string | undefined): boolean;
}

/** Parses CIDRs ("10.0.0.0/8", "::1/128") or plain addresses; throws invalid_config on a bad one. */
export function parseCidrList(key: string, value: unknown): string[] {
  const items = Array.isArray(value) ? value : String(value).split(',');
  const out: string[] = [];
  for (const raw of items) {
    if (typeof raw !== 'string') throw new AppError('invalid_config', `${key} must list CIDRs as strings, got ${JSON.stringify(raw)}`);
    const item = raw.trim();
    if (!item) continue;
    const [address, bits, extra] = item.split('/');
    const family = net.isIP(address);
    const max = family === 6 ? 128 : 32;
    const prefix = bits === undefined ? max : Number(bits);
    if (!family || extra !== undefined || !/^\d*$/.test(bits ?? '') || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
      throw new AppError('invalid_config', `${key}: ${JSON.stringify(item)} is not an IP address or CIDR (e.g. 10.0.0.0/8, ::1/128)`);
    }
    out.push(`${address}/${prefix}`);
  }
  return out;
}

export function createMonitoringAllowlist(cidrs: readonly string[]): MonitoringAllowlist {
  const list = new net.BlockList();
  for (const cidr of cidrs) {
    const [address, bits] = cidr.split('/');
    list.addSubnet(address, Number(bits), net.isIP(address) === 6 ? 'ipv6' : 'ipv4');
  }
  return {
    allows(address) {
      if (!address) return false;
      // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d.
      const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
      if (v4) return list.check(v4, 'ipv4') || list.check(address, 'ipv6');
      const family = net.isIP(address);
      return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}
