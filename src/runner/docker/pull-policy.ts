// Which pull policies an image is fetched with, and fetching it, as gitlab-runner's pull
// manager does (executors/docker/internal/pull): the job's `image:pull_policy` list wins over
// the runner's `pull_policy` (default [always]) when at least one of its entries is in the
// runner's `allowed_pull_policies` (default: the runner's own policies); the policies are tried
// in order, the next one after a failure:
//   always          pull; a failed pull is a failure (no silent fallback to a local copy)
//   if-not-present  use the local image, pull only when there is none
//   never           use the local image or fail
// An image already used by this runner with the same ID is not pulled again.
import { JobFailure } from '../errors.js';
import type { DockerApi, ImageInfo, PullEvent } from './docker-api.js';

export type PullPolicy = 'always' | 'if-not-present' | 'never';
export const PULL_POLICIES: readonly PullPolicy[] = ['always', 'if-not-present', 'never'];

export function isPullPolicy(s: string): s is PullPolicy {
  return (PULL_POLICIES as readonly string[]).includes(s);
}

export interface PullPolicyConfig {
  /** The runner's pull_policy list. Default ['always']. */
  pullPolicy?: PullPolicy[];
  /** allowed_pull_policies. Default: the runner's pull_policy. */
  allowed?: PullPolicy[];
}

/** The policies to try for an image, or a JobFailure when the job asks for a policy not allowed. */
export function decidePullPolicies(cfg: PullPolicyConfig, imagePolicies: string[] | undefined, imageName: string): PullPolicy[] {
  const runner = cfg.pullPolicy?.length ? cfg.pullPolicy : (['always'] as PullPolicy[]);
  const allowed = cfg.allowed?.length ? cfg.allowed : runner;
  const fromJob = (imagePolicies ?? []).filter((p) => p !== '');
  const bad = fromJob.find((p) => !isPullPolicy(p));
  if (bad) throw new JobFailure('runner_system_failure', `failed to pull image '${imageName}': unsupported pull_policy "${bad}"`);
  const policies = fromJob.length ? (fromJob as PullPolicy[]) : runner;
  if (!policies.some((p) => allowed.includes(p))) {
    const source = fromJob.length ? 'GitLab pipeline config' : 'Runner config';
    throw new JobFailure(
      'runner_system_failure',
      `failed to pull image '${imageName}': pull_policy (${fmt(policies)}) defined in ${source} is not one of the allowed_pull_policies (${fmt(allowed)})`,
    );
  }
  return policies;
}

const fmt = (l: string[]) => `[${l.join(' ')}]`;

/** name → name:latest when it carries neither a tag nor a digest (a registry port is no tag). */
export function pullReference(name: string): string {
  const last = name.slice(name.lastIndexOf('/') + 1);
  return last.includes(':') || name.includes('@') ? name : `${name}:latest`;
}

export interface GetImageOptions {
  api: DockerApi;
  name: string;
  policies: PullPolicy[];
  log: (line: string) => void;
  warn: (line: string) => void;
  /** name → image ID already used by this runner (not pulled again). */
  used: Map<string, string>;
  signal?: AbortSignal;
}

export async function getImage(o: GetImageOptions): Promise<ImageInfo> {
  let lastError = '';
  for (const [i, policy] of o.policies.entries()) {
    if (i > 0) o.log(`Attempt #${i + 1}: Trying "${policy}" pull policy`);
    try {
      const img = await withPolicy(o, policy);
      o.used.set(o.name, img.id);
      o.log(`Using docker image ${img.id} for ${o.name} ...`);
      return img;
    } catch (e) {
      if (o.signal?.aborted) throw e;
      lastError = (e as Error).message.split('\n')[0];
      o.warn(`Failed to pull image with policy "${policy}": ${lastError}`);
    }
  }
  throw new JobFailure('image_pull_failure', `failed to pull image "${o.name}" with specified policies ${fmt(o.policies)}: ${lastError}`);
}

async function withPolicy(o: GetImageOptions, policy: PullPolicy): Promise<ImageInfo> {
  const local = await o.api.inspectImage(o.name);
  if (local && o.used.get(o.name) === local.id) return local;
  if (policy === 'never') {
    if (!local) throw new Error('image not found locally');
    return local;
  }
  if (local && (local.id === o.name || policy === 'if-not-present')) {
    if (policy === 'if-not-present') o.log(`Using locally found image version due to "${policy}" pull policy`);
    return local;
  }
  o.log(`Pulling docker image ${o.name} ...`);
  const seen = new Map<string, string>();
  await o.api.pullImage(
    pullReference(o.name),
    (e: PullEvent) => {
      if (!e.status) return;
      const key = e.id ?? '';
      if (seen.get(key) === e.status) return;
      seen.set(key, e.status);
      o.log(e.id ? `${e.id}: ${e.status}` : e.status);
    },
    o.signal,
  );
  const pulled = await o.api.inspectImage(o.name);
  if (!pulled) throw new Error('image not found after the pull');
  return pulled;
}
