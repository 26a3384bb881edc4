import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { envName, loadRelayConfig, parseListen, readRelayConfigFile, relayBaseUrl } from './config.js';

const base = { upstreamUrl: 'http://127.0.0.1:8080', upstreamToken: 'glrt-x' };

describe('relay config', () => {
  it('flags beat GCD_RELAY_* beat the config file beat defaults', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gcd-relay-cfg-'));
    const file = path.join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ relay: { ...base, maxJobs: 2, launchTimeout: 10, listen: '127.0.0.1:9000' } }));
    const c = loadRelayConfig({ file: readRelayConfigFile(file), env: { GCD_RELAY_MAX_JOBS: '3', GCD_RELAY_LAUNCH_TIMEOUT: '20' }, flags: { maxJobs: 4 } });
    expect([c.maxJobs, c.launchTimeout, c.listen, c.launcher, c.shutdownTimeout]).toEqual([4, 20, '127.0.0.1:9000', 'process', 3600]);
    expect(envName('minFreeMemoryMb')).toBe('GCD_RELAY_MIN_FREE_MEMORY_MB');
    expect(readRelayConfigFile(path.join(dir, 'missing.json'))).toEqual({});
  });

  it('rejects bad values with a clear message', () => {
    expect(() => loadRelayConfig({ flags: { upstreamToken: 't' } })).toThrow(/upstreamUrl is required \(--upstream-url or GCD_RELAY_UPSTREAM_URL\)/);
    expect(() => loadRelayConfig({ flags: { ...base, upstreamUrl: 'ftp://x' } })).toThrow(/http\(s\) URL/);
    expect(() => loadRelayConfig({ flags: { ...base, launcher: 'vm' } })).toThrow(/launcher must be command, process or docker/);
    expect(() => loadRelayConfig({ flags: { ...base, launcher: 'command' } })).toThrow(/needs launchCommand/);
    expect(() => loadRelayConfig({ flags: { ...base, launcher: 'docker' } })).toThrow(/needs launchImage/);
    expect(() => loadRelayConfig({ flags: base, env: { GCD_RELAY_MAX_JOBS: 'many' } })).toThrow(/maxJobs must be a number >= 1/);
    expect(() => loadRelayConfig({ flags: { ...base, listen: 'nope' } })).toThrow(/listen must be host:port/);
    const dir = mkdtempSync(path.join(tmpdir(), 'gcd-relay-cfg-'));
    writeFileSync(path.join(dir, 'bad.json'), '{"relay":{"maxJob":1}}');
    expect(() => readRelayConfigFile(path.join(dir, 'bad.json'))).toThrow(/unknown key relay.maxJob/);
    writeFileSync(path.join(dir, 'bad2.json'), '{');
    expect(() => readRelayConfigFile(path.join(dir, 'bad2.json'))).toThrow(/not valid JSON/);
  });

  it('listen addresses and the URL given to the launched runner', () => {
    expect(parseListen('[::1]:9')).toEqual({ host: '::1', port: 9 });
    expect(parseListen('8093')).toEqual({ host: '127.0.0.1', port: 8093 });
    expect(relayBaseUrl({ advertiseUrl: null }, { host: '0.0.0.0', port: 5 })).toBe('http://127.0.0.1:5');
    expect(relayBaseUrl({ advertiseUrl: 'http://10.0.2.2:8093/' }, { host: '0.0.0.0', port: 5 })).toBe('http://10.0.2.2:8093');
  });
});
