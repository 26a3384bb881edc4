// The few Docker Engine API calls the docker executor makes, behind a small interface so that
// what would be sent to the engine can be checked without one (bridge networking cannot run on
// every machine). `dockerApi()` is the real one, over dockerode (never the docker CLI), which is
// loaded on the first call: a shell-only runner never loads it (nor its gRPC/protobuf stack).
import type Docker from 'dockerode';
import type { ContainerCreateOptions, NetworkCreateOptions } from 'dockerode';

export type { ContainerCreateOptions, NetworkCreateOptions };

export interface ImageInfo {
  id: string;
  /** Config.ExposedPorts keys, e.g. "5432/tcp". */
  exposedPorts: string[];
}

export interface ContainerState {
  running: boolean;
  exitCode: number;
  /** Network name → IP address (bridge networks). */
  addresses: Record<string, string>;
}

export interface PullEvent {
  status?: string;
  id?: string;
  progress?: string;
  error?: string;
}

export interface DockerApi {
  ping(): Promise<void>;
  /** null when the engine has no such image. */
  inspectImage(name: string): Promise<ImageInfo | null>;
  /** Pulls `ref` (name:tag), reporting each progress message; rejects when the pull fails. */
  pullImage(ref: string, onEvent: (e: PullEvent) => void, signal?: AbortSignal): Promise<void>;
  createContainer(opts: ContainerCreateOptions): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** Streams the container's stdout+stderr (attach before start); resolves when the stream ends. */
  attachOutput(id: string, onOutput: (chunk: Buffer) => void): Promise<{ ended: Promise<void> }>;
  /** Waits for the container to exit; its exit code. */
  waitContainer(id: string): Promise<number>;
  inspectContainer(id: string): Promise<ContainerState>;
  killContainer(id: string): Promise<void>;
  /** Force-removes a container and its anonymous volumes; a missing one is no error. */
  removeContainer(id: string): Promise<void>;
  /** Ids of the containers (also stopped ones) carrying every label given. */
  listContainers(labels: Record<string, string>): Promise<string[]>;
  createNetwork(opts: NetworkCreateOptions): Promise<string>;
  removeNetwork(id: string): Promise<void>;
  listNetworks(labels: Record<string, string>): Promise<string[]>;
}

const labelFilter = (labels: Record<string, string>) => JSON.stringify({ label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) });
const notFound = (e: unknown) => (e as { statusCode?: number }).statusCode === 404;

export interface DockerApiOptions {
  /** unix socket path; default $DOCKER_HOST's unix:// path or /var/run/docker.sock. */
  socketPath?: string;
  /** Per-call timeout for short calls (not pulls, waits or attached streams). Default 30 s. */
  timeoutMs?: number;
}

export function defaultSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  const host = env.DOCKER_HOST ?? '';
  return host.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock';
}

export function dockerApi(opts: DockerApiOptions = {}): DockerApi {
  let loaded: Promise<Docker> | null = null;
  const client = () => (loaded ??= import('dockerode').then((m) => new m.default({ socketPath: opts.socketPath ?? defaultSocketPath() })));
  return {
    async ping() {
      const docker = await client();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('the Docker engine did not answer /_ping')), opts.timeoutMs ?? 5000);
      });
      try {
        await Promise.race([docker.ping(), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async inspectImage(name) {
      const docker = await client();
      try {
        const info = await docker.getImage(name).inspect();
        return { id: info.Id, exposedPorts: Object.keys(info.Config?.ExposedPorts ?? {}) };
      } catch (e) {
        if (notFound(e)) return null;
        throw e;
      }
    },
    async pullImage(ref, onEvent, signal) {
      const docker = await client();
      const stream = (await docker.pull(ref, { abortSignal: signal })) as NodeJS.ReadableStream;
      await new Promise<void>((resolve, reject) => {
        docker.modem.followProgress(
          stream,
          (err: Error | null, events: PullEvent[]) => {
            const failed = events?.find((e) => e.error);
            if (err) reject(err);
            else if (failed) reject(new Error(failed.error));
            else resolve();
          },
          (e: PullEvent) => onEvent(e),
        );
      });
    },
    async createContainer(o) {
      const docker = await client();
      return (await docker.createContainer(o)).id;
    },
    async startContainer(id) {
      const docker = await client();
      await docker.getContainer(id).start();
    },
    async attachOutput(id, onOutput) {
      const docker = await client();
      const stream = await docker.getContainer(id).attach({ stream: true, stdout: true, stderr: true });
      const sink = { write: (b: Buffer) => onOutput(b) } as unknown as NodeJS.WritableStream;
      docker.modem.demuxStream(stream, sink, sink);
      const ended = new Promise<void>((resolve) => {
        stream.once('end', resolve);
        stream.once('close', resolve);
        stream.once('error', () => resolve());
      });
      return { ended };
    },
    async waitContainer(id) {
      const docker = await client();
      const r = (await docker.getContainer(id).wait()) as { StatusCode: number };
      return r.StatusCode;
    },
    async inspectContainer(id) {
      const docker = await client();
      const info = await docker.getContainer(id).inspect();
      const addresses: Record<string, string> = {};
      for (const [net, ep] of Object.entries(info.NetworkSettings?.Networks ?? {})) if (ep.IPAddress) addresses[net] = ep.IPAddress;
      return { running: info.State.Running, exitCode: info.State.ExitCode, addresses };
    },
    async killContainer(id) {
      const docker = await client();
      try {
        await docker.getContainer(id).kill();
      } catch (e) {
        const code = (e as { statusCode?: number }).statusCode;
        if (code !== 404 && code !== 409) throw e;
      }
    },
    async removeContainer(id) {
      const docker = await client();
      try {
        await docker.getContainer(id).remove({ force: true, v: true });
      } catch (e) {
        const code = (e as { statusCode?: number }).statusCode;
        // 409: removal already in progress
        if (code !== 404 && code !== 409) throw e;
      }
    },
    async listContainers(labels) {
      const docker = await client();
      const list = await docker.listContainers({ all: true, filters: labelFilter(labels) });
      return list.map((c) => c.Id);
    },
    async createNetwork(o) {
      const docker = await client();
      return (await docker.createNetwork(o)).id;
    },
    async removeNetwork(id) {
      const docker = await client();
      try {
        await docker.getNetwork(id).remove();
      } catch (e) {
        if (!notFound(e)) throw e;
      }
    },
    async listNetworks(labels) {
      const docker = await client();
      const list = await docker.listNetworks({ filters: labelFilter(labels) });
      return list.map((n) => n.Id);
    },
  };
}
