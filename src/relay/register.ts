// `relay register`: the relay becomes a runner of the upstream, as `gitlab-runner register`
// does: a registration token → POST /runners (tags, run_untagged…); a glrt- token created
// upstream → POST /runners/verify (tags are then properties of the runner upstream).
import type { RegisterRunnerResponse, RunnerInfo } from '../runner-api/protocol.js';
import { CoordinatorClient } from '../runner/network/coordinator-client.js';

export interface RelayRegisterOptions {
  upstreamUrl: string;
  /** A registration token, or a glrt- runner authentication token. */
  token: string;
  info: RunnerInfo;
  systemId: string;
  description?: string;
  tags?: string[];
  runUntagged?: boolean;
  locked?: boolean;
  paused?: boolean;
  maximumTimeout?: number;
  signal?: AbortSignal;
}

export async function registerRelay(o: RelayRegisterOptions): Promise<RegisterRunnerResponse & { flow: 'register' | 'verify' }> {
  const client = new CoordinatorClient({ url: o.upstreamUrl });
  try {
    if (o.token.startsWith('glrt-')) {
      const r = await client.verifyRunner({ token: o.token, systemId: o.systemId, info: o.info, signal: o.signal });
      return { ...r, token: r.token || o.token, flow: 'verify' };
    }
    const tags = (o.tags ?? []).map((t) => t.trim()).filter(Boolean);
    const r = await client.registerRunner(
      {
        token: o.token,
        description: o.description || undefined,
        tag_list: tags.length ? tags.join(',') : undefined,
        run_untagged: o.runUntagged ?? tags.length === 0,
        locked: o.locked ?? false,
        paused: o.paused ?? false,
        maximum_timeout: o.maximumTimeout || undefined,
        info: o.info,
      },
      o.signal,
    );
    return { ...r, flow: 'register' };
  } finally {
    await client.close();
  }
}
