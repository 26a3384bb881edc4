// The relay's side of the upstream runner API: the runner client of runner/network/, plus a job
// request that keeps the 201 body byte for byte (the launched runner gets it unchanged).
import type { RunnerInfo } from '../runner-api/protocol.js';
import { HEADER } from '../runner-api/protocol.js';
import { CoordinatorClient } from '../runner/network/coordinator-client.js';
import { discard, errorMessageOf } from '../runner/network/http-client.js';
import { decodeJobPayload, type DecodedJob } from '../runner/network/job-payload.js';
import type { RetryPolicy } from '../runner/network/retry-policy.js';
import type { RelayLogger } from './logger.js';

export type UpstreamJobResult =
  | { kind: 'job'; raw: string; job: DecodedJob }
  | { kind: 'none'; heldMs: number }
  | { kind: 'forbidden'; message: string }
  /** `lost`: a 201 we cannot run (undecodable); id/token when they could be read, to fail it. */
  | { kind: 'failed'; status: number; message: string; lost?: { id: number; token: string } };

export class Upstream {
  readonly client: CoordinatorClient;
  lastUpdate?: string;

  constructor(opts: { url: string; logger?: RelayLogger; retry?: Partial<RetryPolicy> }) {
    this.client = new CoordinatorClient({ url: opts.url, logger: opts.logger, retry: opts.retry });
  }

  get http() {
    return this.client.http;
  }

  close(): Promise<void> {
    return this.client.close();
  }

  async requestJob(opts: { token: string; systemId?: string; info: RunnerInfo; signal?: AbortSignal }): Promise<UpstreamJobResult> {
    const started = Date.now();
    const res = await this.http.request({
      method: 'POST',
      path: 'jobs/request',
      headers: { [HEADER.runnerToken]: opts.token },
      json: { token: opts.token, system_id: opts.systemId, last_update: this.lastUpdate, info: opts.info },
      signal: opts.signal,
    });
    const lastUpdate = res.headers.get(HEADER.lastUpdate);
    if (lastUpdate !== null) this.lastUpdate = lastUpdate;
    if (res.status === 201) {
      const type = res.headers.get('content-type') ?? '';
      const raw = (await res.response?.text().catch(() => '')) ?? '';
      try {
        if (!/^application\/json\s*(;|$)/i.test(type)) throw new Error(`response is not application/json ("${type}")`);
        return { kind: 'job', raw, job: decodeJobPayload(raw) };
      } catch (e) {
        return { kind: 'failed', status: -1, message: `undecodable job payload: ${(e as Error).message}`, lost: idAndToken(raw) };
      }
    }
    if (res.status === 204) {
      await discard(res);
      return { kind: 'none', heldMs: Date.now() - started };
    }
    const message = await errorMessageOf(res);
    if (res.status === 403) return { kind: 'forbidden', message };
    return { kind: 'failed', status: res.status, message };
  }
}

function idAndToken(raw: string): { id: number; token: string } | undefined {
  try {
    const v = JSON.parse(raw) as { id?: unknown; token?: unknown };
    if (typeof v.id === 'number' && v.id > 0 && typeof v.token === 'string' && v.token) return { id: v.id, token: v.token };
  } catch {
    // nothing to fail
  }
  return undefined;
}
