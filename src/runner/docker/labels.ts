// Every container and network the docker executor creates carries these labels, so that what a
// canceled job, a Ctrl-C or a crashed runner left behind can be found and removed: at the end of
// each job (by job id) and when the runner starts (every stale object of this runner).
import { randomBytes } from 'node:crypto';
import type { DockerApi } from './docker-api.js';

export const LABEL_RUNNER = 'gitlab-ci-dispatcher.runner';
export const LABEL_JOB = 'gitlab-ci-dispatcher.job.id';
export const LABEL_TYPE = 'gitlab-ci-dispatcher.type';

export type ObjectType = 'build' | 'service' | 'probe' | 'permissions' | 'network';

export function jobLabels(runnerShort: string, jobId: number, type: ObjectType): Record<string, string> {
  return { [LABEL_RUNNER]: runnerShort, [LABEL_JOB]: String(jobId), [LABEL_TYPE]: type };
}

/** runner-<short>-job-<id>-<what>-<random>: unique, and telling whose it is. */
export function objectName(runnerShort: string, jobId: number, what: string): string {
  const safe = what.replace(/[^a-zA-Z0-9_.-]+/g, '_').slice(0, 40);
  return `runner-${runnerShort}-job-${jobId}-${safe}-${randomBytes(3).toString('hex')}`;
}

/** Force-removes the containers, then the networks, carrying all of `labels`. The count removed. */
export async function removeLabelled(api: DockerApi, labels: Record<string, string>): Promise<number> {
  const containers = await api.listContainers(labels);
  await Promise.all(containers.map((id) => api.removeContainer(id).catch(() => undefined)));
  const networks = await api.listNetworks(labels);
  for (const id of networks) await api.removeNetwork(id).catch(() => undefined);
  return containers.length + networks.length;
}
