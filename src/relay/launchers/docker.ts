// `--launcher docker`: a fresh container from --launch-image per job; its entrypoint runs a
// runner pointed at RELAY_URL with RELAY_TOKEN (both in its environment, with the other RELAY_*
// variables). Host networking only (the relay never creates Docker networks), so RELAY_URL can be
// the relay's loopback address. The container carries the relay's labels: a restarted relay finds
// its containers again (adopt) and removes the ones no job of its state file owns (sweep).
// The engine is injected (the CLI passes runner/docker's dockerode client), so this module does
// not depend on the runner's executor code.
import type { EnvironmentRef, Launcher } from './types.js';
import { relayEnv } from './command.js';

export const LABEL_RELAY = 'gitlab-ci-dispatcher.relay';
export const LABEL_RELAY_JOB = 'gitlab-ci-dispatcher.relay.job';

/** The subset of runner/docker/docker-api.ts's DockerApi the launcher uses. */
export interface ContainerEngine {
  inspectImage(name: string): Promise<unknown>;
  pullImage(ref: string, onEvent: (e: { status?: string }) => void, signal?: AbortSignal): Promise<void>;
  createContainer(opts: Record<string, unknown>): Promise<string>;
  startContainer(id: string): Promise<void>;
  waitContainer(id: string): Promise<number>;
  inspectContainer(id: string): Promise<{ running: boolean; exitCode: number }>;
  killContainer(id: string): Promise<void>;
  removeContainer(id: string): Promise<void>;
  listContainers(labels: Record<string, string>): Promise<string[]>;
}

export interface DockerLauncherOptions {
  engine: ContainerEngine;
  image: string;
  /** Value of the relay label (one per data directory). */
  relayId: string;
  /** Pull when the image is missing. Default true. */
  pull?: boolean;
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

export function dockerLauncher(o: DockerLauncherOptions): Launcher {
  const env = (id: string, exited: Promise<string>, adopted = false) => ({
    ref: { kind: 'docker', containerId: id } as EnvironmentRef,
    exited,
    async stop({ graceMs = 10_000 } = {}) {
      // the runner inside had its chance to finish; a container is stopped by removing it
      const state = await o.engine.inspectContainer(id).catch(() => null);
      if (state?.running) await Promise.race([exited, wait(Math.min(graceMs, 2000))]);
      await o.engine.removeContainer(id);
    },
    describe: () => `container ${id.slice(0, 12)}${adopted ? ' (adopted)' : ''}`,
  });
  const watch = (id: string) =>
    o.engine.waitContainer(id).then(
      (code) => `container exited with code ${code}`,
      (e: Error) => `container gone: ${e.message}`,
    );
  return {
    kind: 'docker',
    async launch(ctx, signal) {
      if ((o.pull ?? true) && !(await o.engine.inspectImage(o.image))) await o.engine.pullImage(o.image, () => {}, signal);
      const vars = relayEnv(ctx);
      delete (vars as Partial<typeof vars>).RELAY_JOB_DIR;
      const id = await o.engine.createContainer({
        name: `relay-${o.relayId}-job-${ctx.jobId}-${Math.random().toString(16).slice(2, 8)}`,
        Image: o.image,
        Env: Object.entries(vars).map(([k, v]) => `${k}=${v}`),
        Labels: { [LABEL_RELAY]: o.relayId, [LABEL_RELAY_JOB]: String(ctx.jobId) },
        HostConfig: { NetworkMode: 'host', AutoRemove: false },
      });
      try {
        await o.engine.startContainer(id);
      } catch (e) {
        await o.engine.removeContainer(id).catch(() => undefined);
        throw e;
      }
      return env(id, watch(id));
    },
    async adopt(ref) {
      if (ref.kind !== 'docker') return null;
      const state = await o.engine.inspectContainer(ref.containerId).catch(() => null);
      if (!state) return null;
      if (!state.running) {
        await o.engine.removeContainer(ref.containerId).catch(() => undefined);
        return null;
      }
      return env(ref.containerId, watch(ref.containerId), true);
    },
    async sweep(keep) {
      const kept = new Set(keep.flatMap((r) => (r.kind === 'docker' ? [r.containerId] : [])));
      const ids = await o.engine.listContainers({ [LABEL_RELAY]: o.relayId });
      const stale = ids.filter((id) => !kept.has(id));
      await Promise.all(stale.map((id) => o.engine.removeContainer(id).catch(() => undefined)));
      return stale.length;
    },
  };
}
