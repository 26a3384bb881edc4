import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSecretKey, parseSecretKey } from './secret-key.js';
import { loadServerConfig } from './config.js';

const dir = mkdtempSync(path.join(tmpdir(), 'gcd-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('secret key', () => {
  it('parses 32 bytes as hex or base64 (standard or URL-safe) and refuses anything else', () => {
    const raw = Buffer.from(Array.from({ length: 32 }, (_, i) => 250 - i));
    expect(parseSecretKey(raw.toString('hex'), 'k')).toEqual(raw);
    expect(parseSecretKey(`${raw.toString('base64')}\n`, 'k')).toEqual(raw);
    expect(parseSecretKey(raw.toString('base64url'), 'k')).toEqual(raw);
    for (const bad of ['', 'abc', raw.toString('hex').slice(2), Buffer.alloc(16).toString('base64'), `${raw.toString('hex')}00`])
      expect(() => parseSecretKey(bad, 'GCD_SECRET_KEY')).toThrow(/GCD_SECRET_KEY must be 32 bytes as 64 hex digits or base64/);
    expect(() => loadServerConfig({ env: { GCD_SECRET_KEY: 'nope' } })).toThrow(/must be 32 bytes/);
    expect(loadServerConfig({ env: { GCD_SECRET_KEY: raw.toString('hex') } }).secretKey).toBe(raw.toString('hex'));
  });

  it('creates the key file once, mode 0600, and reads it back; a loose mode is tightened', () => {
    const first = loadSecretKey({ dataDir: mkdtempSync(path.join(dir, 'd1')), configured: null });
    const file = first.source;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.key.toString('base64'));
    expect(loadSecretKey({ dataDir: path.dirname(file), configured: null }).key).toEqual(first.key);
    chmodSync(file, 0o644);
    expect(loadSecretKey({ dataDir: path.dirname(file), configured: null }).key).toEqual(first.key);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('a configured key wins and writes no file', () => {
    const data = mkdtempSync(path.join(dir, 'd2'));
    const hex = 'ab'.repeat(32);
    expect(loadSecretKey({ dataDir: data, configured: hex }).key).toEqual(Buffer.from(hex, 'hex'));
    expect(() => statSync(path.join(data, 'secret.key'))).toThrow();
  });
});
