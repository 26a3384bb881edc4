// Test helper: HTTP calls shaped like gitlab-runner's network layer (network/gitlab.go): JSON
// bodies with the token in the body AND the RUNNER-TOKEN / JOB-TOKEN header, User-Agent and
// X-Request-Id, inclusive Content-Range on trace PATCHes, multipart artifact uploads with the
// parameters in the query string. Every 201 job payload is validated against the JSON Schema.
import { randomBytes } from 'node:crypto';
import type { JobPayload } from '../protocol.js';
import { checkJobPayload } from './json-schema-check.js';

export const RUNNER_INFO = {
  name: 'gitlab-runner',
  version: '18.5.0',
  revision: 'abcdef12',
  platform: 'linux',
  architecture: 'amd64',
  executor: 'shell',
  shell: 'bash',
  features: {
    variables: true, artifacts: true, cache: true, upload_multiple_artifacts: true, upload_raw_artifacts: true, refspecs: true,
    masking: true, raw_variables: true, artifacts_exclude: true, multi_build_steps: true, trace_reset: true, trace_checksum: true,
    trace_size: true, cancelable: true, return_exit_code: true, fallback_cache_keys: true, cancel_gracefully: true,
    two_phase_job_commit: true, job_inputs: true,
  },
  config: { gpus: '' },
};

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  json<T = unknown>(): T;
}

const commonHeaders = () => ({
  'user-agent': 'gitlab-runner 18.5.0 (main; go1.24; linux/amd64)',
  'x-request-id': randomBytes(16).toString('hex'),
});

export async function call(url: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<HttpResult> {
  const res = await fetch(url, { ...init, headers: { ...commonHeaders(), ...(init.headers ?? {}) } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
}

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}, method = 'POST'): Promise<HttpResult> {
  return call(url, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export class RunnerClient {
  lastUpdate: string | undefined;
  constructor(
    readonly base: string,
    readonly token: string,
    readonly systemId = 's_0123456789ab',
  ) {}

  async requestJob(extra: Record<string, unknown> = {}): Promise<{ res: HttpResult; job: JobPayload | null }> {
    const body: Record<string, unknown> = { token: this.token, system_id: this.systemId, info: RUNNER_INFO, ...extra };
    if (this.lastUpdate) body.last_update = this.lastUpdate;
    const res = await postJson(`${this.base}/api/v4/jobs/request`, body, { 'runner-token': this.token });
    const lu = res.headers.get('x-gitlab-last-update');
    if (lu) this.lastUpdate = lu;
    if (res.status !== 201) return { res, job: null };
    // Every payload the server produces is checked against the runner's types.
    const job = res.json<JobPayload>();
    const violations = checkJobPayload(job);
    if (violations.length > 0) throw new Error(`job payload violates schema/job-payload.schema.json:\n${violations.join('\n')}`);
    if (!/^application\/json(;|$)/.test(res.headers.get('content-type') ?? '')) throw new Error('201 without Content-Type: application/json');
    return { res, job };
  }

  updateJob(job: { id: number; token: string }, body: Record<string, unknown>): Promise<HttpResult> {
    return postJson(`${this.base}/api/v4/jobs/${job.id}`, { token: job.token, info: RUNNER_INFO, ...body }, { 'job-token': job.token }, 'PUT');
  }

  patchTrace(job: { id: number; token: string }, offset: number, data: Buffer | string): Promise<HttpResult> {
    const buf = Buffer.from(data);
    return call(`${this.base}/api/v4/jobs/${job.id}/trace?debug_trace=false`, {
      method: 'PATCH',
      headers: { 'job-token': job.token, 'content-type': 'text/plain', 'content-range': `${offset}-${offset + buf.length - 1}` },
      body: buf,
    });
  }

  uploadArtifact(
    job: { id: number; token: string },
    file: Buffer,
    query: Record<string, string> = { artifact_format: 'zip', artifact_type: 'archive' },
    filename = 'artifacts.zip',
  ): Promise<HttpResult> {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(file)]), filename);
    const qs = new URLSearchParams(query).toString();
    return call(`${this.base}/api/v4/jobs/${job.id}/artifacts${qs ? `?${qs}` : ''}`, { method: 'POST', headers: { 'job-token': job.token }, body: form });
  }

  downloadArtifacts(jobId: number, token: string, direct = true): Promise<Response> {
    return fetch(`${this.base}/api/v4/jobs/${jobId}/artifacts${direct ? '?direct_download=true' : ''}`, {
      headers: { ...commonHeaders(), 'job-token': token },
      redirect: 'manual',
    });
  }
}
