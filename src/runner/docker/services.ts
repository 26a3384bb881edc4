// services: one container per entry, started before the job's script, reachable by its derived
// host names and aliases (service-names.ts): on the job's own network as network aliases
// (bridge), or as ExtraHosts entries to 127.0.0.1 in the job's containers (host). Then
// gitlab-runner's health wait: every port the image exposes (or the service's `ports:`) must
// accept a TCP connection before the timeout, else a warning (the job goes on).
import net from 'node:net';
import type { Image } from '../../runner-api/protocol.js';
import type { DockerApi, ImageInfo } from './docker-api.js';
import { serviceHostNames } from './service-names.js';

export interface StartedService {
  name: string;
  id: string;
  hostNames: string[];
  ports: number[];
}

export interface ServiceSpecInput {
  service: Image;
  image: ImageInfo;
  containerName: string;
  labels: Record<string, string>;
  env: string[];
  /** 'host' or the job's network name. */
  network: string;
}

/** The create options of one service container. */
export function serviceContainerSpec(i: ServiceSpecInput) {
  const hostNames = serviceHostNames(i.service);
  const host = i.network === 'host';
  return {
    name: i.containerName,
    Image: i.image.id,
    Labels: i.labels,
    Env: [...i.env, ...(i.service.variables ?? []).map((v) => `${v.key}=${v.value}`)],
    ...(i.service.entrypoint?.length ? { Entrypoint: i.service.entrypoint } : {}),
    ...(i.service.command?.length ? { Cmd: i.service.command } : {}),
    ...(i.service.executor_opts?.docker?.user ? { User: i.service.executor_opts.docker.user } : {}),
    HostConfig: { NetworkMode: i.network, RestartPolicy: { Name: 'no' } },
    ...(host ? {} : { NetworkingConfig: { EndpointsConfig: { [i.network]: { Aliases: hostNames } } } }),
  };
}

export function servicePorts(service: Image, image: ImageInfo): number[] {
  const fromJob = (service.ports ?? []).filter((p) => !p.protocol || p.protocol === 'tcp' || p.protocol === 'http' || p.protocol === 'https').map((p) => p.number);
  if (fromJob.length) return fromJob;
  return image.exposedPorts.filter((p) => p.endsWith('/tcp') || !p.includes('/')).map((p) => Number.parseInt(p, 10)).filter((n) => n > 0);
}

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

export interface WaitOptions {
  api: DockerApi;
  service: StartedService;
  network: string;
  timeoutMs: number;
  signal: AbortSignal;
}

/** null when every port accepts connections; else why not. */
export async function waitForService(o: WaitOptions): Promise<string | null> {
  const deadline = Date.now() + o.timeoutMs;
  const pending = new Set(o.service.ports);
  for (;;) {
    const state = await o.api.inspectContainer(o.service.id);
    if (!state.running) return `the service container exited with code ${state.exitCode}`;
    const host = o.network === 'host' ? '127.0.0.1' : state.addresses[o.network];
    if (host) {
      for (const port of [...pending]) if (await tcpOpen(host, port)) pending.delete(port);
    }
    if (pending.size === 0) return null;
    if (Date.now() >= deadline || o.signal.aborted) {
      return `no connection to port${pending.size > 1 ? 's' : ''} ${[...pending].join(', ')} within ${Math.round(o.timeoutMs / 1000)} s`;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
