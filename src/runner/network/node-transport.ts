// One HTTP exchange of the runner over node:http / node:https: keep-alive connections that close
// after IDLE_MS unused, an inactivity limit, redirects followed as fetch does (at most 20; 303,
// and 301/302 after a POST, become a GET without body; credentials are not sent to another
// origin) or handed back ('manual').
// Node's own client rather than undici: its parser is native (undici's is WebAssembly, compiled
// and tiered up in every process that starts) and its code is in Node's snapshot, which matters
// to a runner that lives for one short pipeline: undici took about a quarter of `run`'s runner
// process for three requests a job.
import http, { type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** An unused connection closes after this long by default (a server's keep-alive may end it sooner). */
const IDLE_MS = 4000;
/** A request waits this long at most for the next bytes (headers or body). */
const INACTIVITY_MS = 10 * 60_000;
const MAX_REDIRECTS = 20;
/** A discarded answer is read to its end (keeping the connection) up to this size, else dropped. */
const DRAIN_LIMIT = 128 * 1024;
const REDIRECT = new Set([301, 302, 303, 307, 308]);
/** Headers that carry a credential: never sent on to another origin. */
const CREDENTIALS = ['authorization', 'cookie', 'proxy-authorization', 'job-token', 'private-token'];

export type RequestBody = string | Buffer | Readable | undefined;

export interface Exchange {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** Called for each request sent (a redirect that keeps the body sends it again). */
  body?: () => RequestBody;
  signal?: AbortSignal;
  redirect: 'follow' | 'manual';
}

function idleClosing<A extends http.Agent>(agent: A, idleMs: number): A {
  const keep = agent.keepSocketAlive.bind(agent);
  agent.keepSocketAlive = (socket: Duplex) => {
    const kept = keep(socket) as unknown as boolean;
    // the agent destroys a free socket that times out
    if (kept) (socket as Duplex & { setTimeout(ms: number): void }).setTimeout(idleMs);
    return kept as unknown as void;
  };
  return agent;
}

/** The connections of one client: close() ends them all. */
export class Transport {
  private readonly http: http.Agent;
  private readonly https: https.Agent;

  constructor(opts: { idleMs?: number } = {}) {
    this.http = idleClosing(new http.Agent({ keepAlive: true }), opts.idleMs ?? IDLE_MS);
    this.https = idleClosing(new https.Agent({ keepAlive: true }), opts.idleMs ?? IDLE_MS);
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }

  /** Sends the request (and follows redirects): the answer's status, headers and unread body. */
  async send(x: Exchange): Promise<IncomingMessage> {
    let url = new URL(x.url);
    let { method, headers, body } = x;
    for (let hop = 0; ; hop++) {
      const res = await this.once(url, method, headers, body?.(), x.signal);
      const location = res.headers.location;
      if (x.redirect === 'manual' || hop === MAX_REDIRECTS || !REDIRECT.has(res.statusCode ?? 0) || !location) return res;
      void drain(res);
      const next = new URL(location, url);
      if (next.origin !== url.origin) headers = without(headers, CREDENTIALS);
      if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
        headers = without(headers, ['content-type', 'content-length']);
      }
      url = next;
    }
  }

  private once(url: URL, method: string, headers: OutgoingHttpHeaders, body: RequestBody, signal?: AbortSignal): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const secure = url.protocol === 'https:';
      if (!secure && url.protocol !== 'http:') {
        reject(new TypeError(`unsupported protocol ${url.protocol}`));
        return;
      }
      // a length for whole bodies, chunks for streams without one, whatever the method (Node
      // frames a DELETE's body by neither of its own accord)
      if (body !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-length')) {
        headers = body instanceof Readable ? { ...headers, 'Transfer-Encoding': 'chunked' } : { ...headers, 'Content-Length': Buffer.byteLength(body) };
      }
      let req: ClientRequest;
      try {
        req = (secure ? https : http).request(url, { method, headers, agent: secure ? this.https : this.http, signal });
      } catch (e) {
        reject(e as Error);
        return;
      }
      req.setNoDelay(true); // as Go sets TCP_NODELAY on every connection
      req.setTimeout(INACTIVITY_MS, () => req.destroy(new Error(`no data from ${url.host} for ${INACTIVITY_MS / 1000} s`)));
      req.once('response', resolve);
      req.once('error', reject);
      if (body instanceof Readable) pipeline(body, req).catch((e: Error) => req.destroy(e));
      else req.end(body);
    });
  }
}

function without(headers: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !names.includes(k.toLowerCase())));
}

/** Reads the whole body; rejects if the connection ends before it is complete. */
export function readAll(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.once('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    res.once('error', reject);
    res.once('close', () => {
      if (!res.complete) reject(new Error('the connection closed before the answer was complete'));
    });
  });
}

/** Throws the rest of an answer away: read to its end when small (the connection is reused), else dropped. */
export function drain(res: IncomingMessage): Promise<void> {
  if (res.readableEnded || res.destroyed) return Promise.resolve();
  if (Number(res.headers['content-length'] ?? 0) > DRAIN_LIMIT) {
    res.destroy();
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    let read = 0;
    res.on('data', (c: Buffer) => {
      read += c.length;
      if (read > DRAIN_LIMIT) res.destroy();
    });
    res.once('end', resolve);
    res.once('close', resolve);
    res.once('error', () => resolve());
  });
}
