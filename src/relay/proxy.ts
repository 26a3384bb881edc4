// Forwarding one request of the launched runner to the upstream, and its answer back: status
// code and headers verbatim (Job-Status, Range, X-GitLab-Trace-Update-Interval, Retry-After,
// Location…), bodies streamed through undici in both directions (constant memory: a 1 GiB
// artifact is never buffered). Small JSON/trace bodies (PUT, PATCH) are buffered by the caller so
// they can be retried while the upstream is unreachable.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Agent, request } from 'undici';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'expect']);

export type UpstreamHeaders = Record<string, string | string[] | undefined>;

export interface ForwardResult {
  status: number;
  headers: UpstreamHeaders;
  body: Readable;
}

export function requestHeaders(req: IncomingMessage, overrides: Record<string, string> = {}): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  return { ...out, ...overrides };
}

export function responseHeaders(h: UpstreamHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined && !HOP_BY_HOP.has(k.toLowerCase())) out[k] = v;
  return out;
}

export function header(h: UpstreamHeaders, name: string): string | undefined {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export class UpstreamProxy {
  private readonly agent = new Agent({ keepAliveTimeout: 4000, headersTimeout: 10 * 60_000, bodyTimeout: 10 * 60_000 });

  /** One attempt; rejects on a transport error. */
  async forward(opts: { url: string; method: string; headers: Record<string, string | string[]>; body?: Buffer | Readable; signal?: AbortSignal }): Promise<ForwardResult> {
    const r = await request(opts.url, {
      method: opts.method as 'GET',
      headers: opts.headers,
      body: opts.body,
      dispatcher: this.agent,
      signal: opts.signal,
    });
    return { status: r.statusCode, headers: r.headers as UpstreamHeaders, body: r.body as unknown as Readable };
  }

  close(): Promise<void> {
    return this.agent.destroy().catch(() => {});
  }
}

/** Counts the bytes flowing through. */
export function counter(onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      onBytes(chunk.length);
      cb(null, chunk);
    },
  });
}

/** Sends an upstream answer to the inner runner as it came. */
export async function relayAnswer(res: ServerResponse, up: ForwardResult, opts: { headers?: Record<string, string | string[]>; onBytes?: (n: number) => void } = {}): Promise<void> {
  res.writeHead(up.status, { ...responseHeaders(up.headers), ...opts.headers });
  if (opts.onBytes) await pipeline(up.body, counter(opts.onBytes), res);
  else await pipeline(up.body, res);
}

/** Reads a small body; null when it passes `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) return null;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
