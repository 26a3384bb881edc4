// The service wait over real TCP on 127.0.0.1 (host mode): a listening port ends the wait, a
// closed one gives up after the timeout with the port named, an exited container at once. The
// container state comes from a stub of DockerApi.inspectContainer; the config file's docker keys.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { servicePorts, waitForService } from './services.js';
import type { DockerApi } from './docker-api.js';
import { dockerOptionsOf, validateConfig } from '../config-file.js';

const stateApi = (running: boolean) => ({ inspectContainer: async () => ({ running, exitCode: running ? 0 : 3, addresses: {} }) }) as unknown as DockerApi;

async function listening(): Promise<{ port: number; close(): Promise<void> }> {
  const s = net.createServer((c) => c.end());
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { port: (s.address() as net.AddressInfo).port, close: () => new Promise((r) => s.close(() => r())) };
}

describe('waitForService (host network)', () => {
  it('returns once every port accepts connections', async () => {
    const a = await listening();
    try {
      const why = await waitForService({ api: stateApi(true), service: { name: 's', id: 'c', hostNames: [], ports: [a.port] }, network: 'host', timeoutMs: 5000, signal: new AbortController().signal });
      expect(why).toBeNull();
    } finally {
      await a.close();
    }
  });
  it('gives up after the timeout naming the port that never answered', async () => {
    const a = await listening();
    await a.close();
    const t = Date.now();
    const why = await waitForService({ api: stateApi(true), service: { name: 's', id: 'c', hostNames: [], ports: [a.port] }, network: 'host', timeoutMs: 600, signal: new AbortController().signal });
    expect(why).toBe(`no connection to port ${a.port} within 1 s`);
    expect(Date.now() - t).toBeGreaterThanOrEqual(550);
  });
  it('an exited service container ends the wait at once', async () => {
    const why = await waitForService({ api: stateApi(false), service: { name: 's', id: 'c', hostNames: [], ports: [1] }, network: 'host', timeoutMs: 10_000, signal: new AbortController().signal });
    expect(why).toBe('the service container exited with code 3');
  });
  it('ports: the service list wins over the image ExposedPorts; udp ports are not waited for', () => {
    expect(servicePorts({ name: 'x' }, { id: 'i', exposedPorts: ['5432/tcp', '53/udp'] })).toEqual([5432]);
    expect(servicePorts({ name: 'x', ports: [{ number: 8080 }] }, { id: 'i', exposedPorts: ['5432/tcp'] })).toEqual([8080]);
    expect(servicePorts({ name: 'x' }, { id: 'i', exposedPorts: [] })).toEqual([]);
  });
});

describe('config file: executor and [runners.docker] keys', () => {
  const entry = (extra: object) => ({ runners: [{ url: 'http://h', token: 't', ...extra }] });
  it('maps gitlab-runner names onto the executor options', () => {
    const c = validateConfig(entry({ executor: 'docker', docker: { image: 'alpine', network_mode: 'host', pull_policy: 'if-not-present', allowed_pull_policies: ['never'], wait_for_services_timeout: 5 } }));
    expect(dockerOptionsOf(c.runners[0])).toEqual({ image: 'alpine', networkMode: 'host', pullPolicy: ['if-not-present'], allowedPullPolicies: ['never'], waitForServicesTimeoutS: 5 });
    expect(dockerOptionsOf(validateConfig(entry({})).runners[0])).toBeUndefined();
  });
  it.each([
    [{ executor: 'kubernetes' }, 'runners[0].executor must be "shell" or "docker"'],
    [{ docker: { network_mode: 'none' } }, 'runners[0].docker.network_mode must be "bridge" or "host"'],
    [{ docker: { pull_policy: ['always', 'sometimes'] } }, 'pull_policy must be always, if-not-present or never'],
    [{ docker: { image: 3 } }, 'image must be a non-empty string'],
    [{ docker: [] }, 'must be an object'],
  ])('rejects %j', (extra, msg) => {
    expect(() => validateConfig(entry(extra), 'runner.json')).toThrow(msg);
  });
});
