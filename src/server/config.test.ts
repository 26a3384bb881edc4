import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadServerConfig } from './config.js';

describe('loadServerConfig', () => {
  it('takes flags over environment over file over defaults', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'gcd-cfg-')), 'c.json');
    writeFileSync(file, JSON.stringify({ port: 1111, longPollSeconds: 7, logLevel: 'info' }));
    const c = loadServerConfig({ configFile: file, env: { GCD_PORT: '2222', GCD_LONG_POLL_SECONDS: '9' }, flags: { port: 3333 } });
    expect(c.port).toBe(3333);
    expect(c.longPollSeconds).toBe(9);
    expect(c.logLevel).toBe('info');
    expect(c.maxArtifactBytes).toBe(1024 * 1024 * 1024);
    expect(c.staleJobSeconds).toBe(3600);
    expect(loadServerConfig({ env: { GCD_STALE_JOB_SECONDS: '120' }, flags: { staleJobSeconds: 90 } }).staleJobSeconds).toBe(90);
  });

  it('reads anonymous access from the bind address by default', () => {
    expect(loadServerConfig({ flags: { host: '127.0.0.1' } }).anonymousRead).toBe(true);
    expect(loadServerConfig({ flags: { host: '0.0.0.0' } }).anonymousRead).toBe(false);
    expect(loadServerConfig({ flags: { host: '0.0.0.0' }, env: { GCD_ANONYMOUS_READ: 'true' } }).anonymousRead).toBe(true);
  });

  it('rejects bad values with a message that names the key', () => {
    expect(() => loadServerConfig({ env: { GCD_PORT: 'abc' } })).toThrow(/port must be a number/);
    expect(() => loadServerConfig({ flags: { database: 'mysql://x' } })).toThrow(/postgres:\/\//);
    expect(() => loadServerConfig({ flags: { logLevel: 'loud' as never } })).toThrow(/logLevel/);
    expect(() => loadServerConfig({ env: { GCD_STALE_JOB_SECONDS: '5' } })).toThrow(/staleJobSeconds must be a number >= 60/);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'gcd-cfg-')), 'c.json');
    writeFileSync(file, '{"prot": 1}');
    expect(() => loadServerConfig({ configFile: file })).toThrow(/unknown config key: prot/);
    writeFileSync(file, '{not json');
    expect(() => loadServerConfig({ configFile: file })).toThrow(/c\.json/);
  });
});
