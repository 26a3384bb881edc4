// The runner's side of GitLab's runner API v4 (runner-protocol.md §1–§5): one method per
// endpoint, each turning the HTTP answer into the outcome gitlab-runner derives from it.
// It remembers X-GitLab-Last-Update and echoes it as last_update in the next job request.
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import type {
  RegisterRunnerRequest,
  RegisterRunnerResponse,
  RunnerInfo,
  UpdateJobRequest,
} from '../../runner-api/protocol.js';
import { HEADER } from '../../runner-api/protocol.js';
import { discard, errorMessageOf, HttpClient, readJson, type HttpClientOptions, type HttpResult } from './http-client.js';
import { decodeJobPayload, type DecodedJob } from './job-payload.js';
import { ProtocolError } from '../errors.js';

export type JobRequestResult =
  | { kind: 'job'; job: DecodedJob }
  | { kind: 'none'; heldMs: number }
  | { kind: 'forbidden'; message: string }
  | { kind: 'failed'; status: number; message: string };

/** What a PUT or PATCH answer means to the runner (§3.2, §4). */
export interface JobSignal {
  /** `Job-Status` header, lower case, when present. */
  jobStatus?: string;
  /** X-GitLab-Trace-Update-Interval in ms (capped at 15 min), when present and valid. */
  updateIntervalMs?: number;
}

export type UpdateResult = JobSignal & {
  outcome: 'ok' | 'accepted' | 'trace-reset' | 'abort' | 'not-found' | 'failed';
  status: number;
};

export type PatchResult = JobSignal & {
  outcome: 'ok' | 'range' | 'abort' | 'not-found' | 'failed';
  status: number;
  /** For 'range' (416): the server's current length, from `Range: 0-<N>`. */
  serverLength?: number;
};

export interface ArtifactUpload {
  file: string;
  /** Multipart filename, e.g. "artifacts.zip". */
  filename: string;
  artifactType?: string;
  artifactFormat?: string;
  expireIn?: string;
}

const MAX_UPDATE_INTERVAL_MS = 15 * 60_000;

export class CoordinatorClient {
  readonly http: HttpClient;
  lastUpdate?: string;

  constructor(opts: HttpClientOptions) {
    this.http = new HttpClient(opts);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  async registerRunner(body: RegisterRunnerRequest, signal?: AbortSignal): Promise<RegisterRunnerResponse> {
    const res = await this.http.request({ method: 'POST', path: 'runners', json: body, signal });
    if (res.status !== 201) throw new ProtocolError(`registering runner failed: ${await errorMessageOf(res)}`, { status: res.status });
    return asRegistration(await readJson(res));
  }

  /** POST /runners/verify: the registration details for a glrt- token (403 → throws). */
  async verifyRunner(opts: { token: string; systemId?: string; info?: RunnerInfo; signal?: AbortSignal }): Promise<RegisterRunnerResponse> {
    const res = await this.http.request({
      method: 'POST',
      path: 'runners/verify',
      headers: { [HEADER.runnerToken]: opts.token },
      json: { token: opts.token, system_id: opts.systemId, info: opts.info },
      signal: opts.signal,
    });
    if (res.status !== 200) throw new ProtocolError(`verifying runner failed: ${await errorMessageOf(res)}`, { status: res.status });
    return asRegistration(await readJson(res));
  }

  async unregisterRunner(opts: { token: string; systemId?: string; signal?: AbortSignal }): Promise<void> {
    const manager = opts.token.startsWith('glrt-');
    const res = await this.http.request({
      method: 'DELETE',
      path: manager ? 'runners/managers' : 'runners',
      headers: { [HEADER.runnerToken]: opts.token },
      json: manager ? { token: opts.token, system_id: opts.systemId } : { token: opts.token },
      signal: opts.signal,
    });
    await discard(res);
    if (res.status !== 204) throw new ProtocolError(`unregistering runner failed: status ${res.status}`, { status: res.status });
  }

  async requestJob(opts: { token: string; systemId?: string; info?: RunnerInfo; signal?: AbortSignal }): Promise<JobRequestResult> {
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
      try {
        const type = res.headers.get('content-type') ?? '';
        if (!/^application\/json\s*(;|$)/i.test(type)) throw new ProtocolError(`response is not application/json ("${type}")`);
        return { kind: 'job', job: decodeJobPayload(await res.response!.text()) };
      } catch (e) {
        await discard(res);
        return { kind: 'failed', status: -1, message: `undecodable job payload: ${(e as Error).message}` };
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

  async updateJob(jobId: number, jobToken: string, body: Omit<UpdateJobRequest, 'token'>, signal?: AbortSignal): Promise<UpdateResult> {
    const res = await this.http.request({
      method: 'PUT',
      path: `jobs/${jobId}`,
      headers: { [HEADER.jobToken]: jobToken },
      json: { token: jobToken, ...body },
      signal,
    });
    await discard(res);
    const signalOf = jobSignal(res);
    const status = res.status;
    const abort = signalOf.jobStatus === 'canceled' || signalOf.jobStatus === 'failed' || status === 403;
    const outcome: UpdateResult['outcome'] = abort
      ? 'abort'
      : status === 200
        ? 'ok'
        : status === 202
          ? 'accepted'
          : status === 412
            ? 'trace-reset'
            : status === 404
              ? 'not-found'
              : 'failed';
    return { outcome, status, ...signalOf };
  }

  async patchTrace(jobId: number, jobToken: string, offset: number, chunk: Buffer, opts: { debugTrace?: boolean; signal?: AbortSignal } = {}): Promise<PatchResult> {
    const res = await this.http.request({
      method: 'PATCH',
      path: `jobs/${jobId}/trace`,
      query: { debug_trace: opts.debugTrace ? 'true' : 'false' },
      headers: { [HEADER.jobToken]: jobToken, [HEADER.contentRange]: `${offset}-${offset + chunk.length - 1}` },
      body: () => ({ body: chunk, contentType: 'text/plain' }),
      signal: opts.signal,
    });
    await discard(res);
    const signalOf = jobSignal(res);
    const status = res.status;
    if (signalOf.jobStatus === 'canceled' || signalOf.jobStatus === 'failed' || status === 403) return { outcome: 'abort', status, ...signalOf };
    if (status === 202) return { outcome: 'ok', status, ...signalOf };
    if (status === 416) {
      const m = /^\s*(?:bytes[ =])?\d+-(\d+)/.exec(res.headers.get(HEADER.range) ?? '');
      if (m) return { outcome: 'range', status, serverLength: Number(m[1]), ...signalOf };
      return { outcome: 'failed', status, ...signalOf };
    }
    if (status === 404) return { outcome: 'not-found', status, ...signalOf };
    return { outcome: 'failed', status, ...signalOf };
  }

  /** POST /jobs/:id/artifacts, multipart `file` streamed from disk; follows one 307. */
  async uploadArtifact(jobId: number, jobToken: string, up: ArtifactUpload, signal?: AbortSignal): Promise<void> {
    const size = (await stat(up.file)).size;
    let base = '';
    let lastMessage = '';
    for (let attempt = 1; attempt <= 3; attempt++) {
      const boundary = `----gcd-runner-${randomBytes(12).toString('hex')}`;
      const head = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${up.filename.replace(/["\r\n]/g, '_')}"\r\n` +
          `Content-Type: application/octet-stream\r\n\r\n`,
      );
      const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
      const path = base ? `${base}/api/v4/jobs/${jobId}/artifacts` : `jobs/${jobId}/artifacts`;
      const res: HttpResult = await this.http.request({
        method: 'POST',
        path,
        query: { artifact_format: up.artifactFormat, artifact_type: up.artifactType, expire_in: up.expireIn },
        headers: { [HEADER.jobToken]: jobToken },
        redirect: 'manual',
        body: () => ({
          body: Readable.from(multipartParts(head, up.file, tail)),
          contentType: `multipart/form-data; boundary=${boundary}`,
          contentLength: head.length + size + tail.length,
        }),
        signal,
      });
      if (res.status === 201) return void (await discard(res));
      if (res.status === 307 && res.headers.get('location')) {
        await discard(res);
        base = new URL(res.headers.get('location')!).origin;
        continue;
      }
      lastMessage = await errorMessageOf(res);
      if (res.status === 403 || res.status === 413) break;
    }
    throw new ProtocolError(`uploading artifacts failed: ${lastMessage}`);
  }

  /** GET /jobs/:id/artifacts into `dest` (direct_download first; follows a redirect without JOB-TOKEN). */
  async downloadArtifact(depId: number, depToken: string, dest: string, signal?: AbortSignal): Promise<void> {
    let lastMessage = '';
    for (let attempt = 1; attempt <= 3; attempt++) {
      let res = await this.http.request({
        method: 'GET',
        path: `jobs/${depId}/artifacts`,
        query: { direct_download: 'true' },
        headers: { [HEADER.jobToken]: depToken },
        redirect: 'manual',
        signal,
      });
      if ((res.status === 302 || res.status === 307) && res.headers.get('location')) {
        await discard(res);
        const location = new URL(res.headers.get('location')!, this.http.urlOf(`jobs/${depId}/artifacts`)).toString();
        res = await this.http.request({ method: 'GET', path: location, signal });
      }
      if (res.status === 200 && res.response) {
        await pipeline(res.response.stream, createWriteStream(dest), { signal });
        return;
      }
      lastMessage = await errorMessageOf(res);
      if (res.status === 401 || res.status === 403 || res.status === 404) break;
    }
    throw new ProtocolError(`downloading artifacts of job ${depId} failed: ${lastMessage}`);
  }
}

async function* multipartParts(head: Buffer, file: string, tail: Buffer): AsyncGenerator<Buffer> {
  yield head;
  for await (const chunk of createReadStream(file)) yield chunk as Buffer;
  yield tail;
}

function jobSignal(res: HttpResult): JobSignal {
  const out: JobSignal = {};
  const status = res.headers.get(HEADER.jobStatus);
  if (status) out.jobStatus = status.trim().toLowerCase();
  const interval = res.headers.get(HEADER.traceUpdateInterval);
  if (interval && /^\d+$/.test(interval.trim()) && Number(interval) > 0) {
    out.updateIntervalMs = Math.min(MAX_UPDATE_INTERVAL_MS, Number(interval) * 1000);
  }
  return out;
}

function asRegistration(body: unknown): RegisterRunnerResponse {
  const b = body as Partial<RegisterRunnerResponse> | null;
  if (!b || typeof b.id !== 'number' || b.id === 0 || typeof b.token !== 'string') {
    throw new ProtocolError('registration answer has no runner id/token');
  }
  return { id: b.id, token: b.token, token_expires_at: typeof b.token_expires_at === 'string' ? b.token_expires_at : null };
}
