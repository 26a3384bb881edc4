// One short-lived container: created, attached (stdout+stderr into `onOutput`), started, waited
// for, and removed, whatever happens. Aborting `signal` kills it: a canceled, timed out or
// aborted job leaves no container behind.
import type { ContainerCreateOptions, DockerApi } from './docker-api.js';

export interface ContainerRunResult {
  exitCode: number | null;
  aborted: boolean;
}

export async function runContainer(
  api: DockerApi,
  spec: ContainerCreateOptions,
  onOutput: (chunk: Buffer) => void,
  signal: AbortSignal,
): Promise<ContainerRunResult> {
  if (signal.aborted) return { exitCode: null, aborted: true };
  const id = await api.createContainer(spec);
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    void api.killContainer(id).catch(() => undefined);
  };
  try {
    const { ended } = await api.attachOutput(id, onOutput);
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    await api.startContainer(id);
    const code = await api.waitContainer(id);
    // the last output may still be on its way when the container has exited
    await Promise.race([ended, new Promise((r) => setTimeout(r, 2000).unref())]);
    return { exitCode: aborted ? null : code, aborted };
  } catch (e) {
    if (aborted) return { exitCode: null, aborted: true };
    throw e;
  } finally {
    signal.removeEventListener('abort', onAbort);
    await api.removeContainer(id).catch(() => undefined);
  }
}
