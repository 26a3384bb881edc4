// Registering a runner: the legacy flow (POST /runners with a registration token) and the
// glrt- flow (POST /runners/verify with a runner authentication token), as
// `gitlab-runner register` chooses between them by the token's prefix (§1.1–1.3).
import type { RegisterRunnerResponse } from '../runner-api/protocol.js';
import { CoordinatorClient } from './network/coordinator-client.js';
import { runnerInfo } from './network/runner-info.js';
import { systemId as defaultSystemId } from './system-id.js';

export interface RegisterRunnerOptions {
  url: string;
  registrationToken: string;
  description?: string;
  tags?: string[];
  runUntagged?: boolean;
  locked?: boolean;
  paused?: boolean;
  accessLevel?: 'not_protected' | 'ref_protected';
  maximumTimeout?: number;
  maintenanceNote?: string;
  systemId?: string;
  signal?: AbortSignal;
}

export interface RegisteredRunner extends RegisterRunnerResponse {
  url: string;
  systemId: string;
}

/** Registers with a registration token, or verifies when given a glrt- token. */
export async function registerRunner(o: RegisterRunnerOptions): Promise<RegisteredRunner> {
  const sysId = o.systemId ?? defaultSystemId();
  if (o.registrationToken.startsWith('glrt-')) return verifyRunner({ url: o.url, token: o.registrationToken, systemId: sysId, signal: o.signal });
  const client = new CoordinatorClient({ url: o.url });
  const tags = (o.tags ?? []).map((t) => t.trim()).filter(Boolean);
  const res = await client
    .registerRunner(
    {
      token: o.registrationToken,
      description: o.description || undefined,
      maintenance_note: o.maintenanceNote || undefined,
      tag_list: tags.length ? tags.join(',') : undefined,
      access_level: o.accessLevel,
      maximum_timeout: o.maximumTimeout || undefined,
      run_untagged: o.runUntagged ?? tags.length === 0,
      locked: o.locked ?? false,
      paused: o.paused ?? false,
      info: runnerInfo({ executor: '', shell: '' }),
    },
      o.signal,
    )
    .finally(() => client.close());
  return { ...res, url: o.url, systemId: sysId };
}

/** POST /runners/verify: checks a runner token and returns its id (required non-zero for glrt-). */
export async function verifyRunner(o: { url: string; token: string; systemId?: string; signal?: AbortSignal }): Promise<RegisteredRunner> {
  const sysId = o.systemId ?? defaultSystemId();
  const client = new CoordinatorClient({ url: o.url });
  const res = await client.verifyRunner({ token: o.token, systemId: sysId, info: runnerInfo(), signal: o.signal }).finally(() => client.close());
  return { ...res, token: res.token || o.token, url: o.url, systemId: sysId };
}

/** DELETE /runners (legacy token) or /runners/managers (glrt-). */
export async function unregisterRunner(o: { url: string; token: string; systemId?: string; signal?: AbortSignal }): Promise<void> {
  const client = new CoordinatorClient({ url: o.url });
  await client.unregisterRunner({ token: o.token, systemId: o.systemId ?? defaultSystemId(), signal: o.signal }).finally(() => client.close());
}
