// The UI's client of /api/ui: JSON reads, actions (with X-Requested-With so the session cookie is
// accepted), and server-sent event streams that reconnect by themselves.
import { reportDown, reportUp, streamOpened } from './connection';

export const API = '/api/ui';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function check(res: Response): Promise<Response> {
  if (res.ok) return res;
  let code = 'error';
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { error?: string; message?: string };
    code = body.error ?? code;
    message = body.message ?? message;
  } catch {}
  throw new ApiError(res.status, code, message);
}

/** fetch that tells the connection state whether the server answered (a 502/503/504 from a proxy counts as gone). */
async function reach(url: string, init: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (error) {
    if (!init.signal?.aborted) reportDown();
    throw error;
  }
  if (res.status === 502 || res.status === 503 || res.status === 504) reportDown();
  else reportUp();
  return res;
}

export async function get<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await check(await reach(API + path, { credentials: 'same-origin', signal, headers: { accept: 'application/json' } }));
  return (await res.json()) as T;
}

export async function send<T>(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { 'x-requested-with': 'gcd-ui', accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await check(
    await reach(API + path, { method, credentials: 'same-origin', headers, body: body === undefined ? undefined : JSON.stringify(body) }),
  );
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * Opens an event stream and keeps it open: after an error it reconnects (with a fresh URL from
 * `url()`, e.g. a newer trace offset) after a short pause, until closed.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler knows its event's shape
export function stream(url: () => string, handlers: Record<string, (data: any) => void>): () => void {
  let source: EventSource | null = null;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const done = streamOpened();
  const open = () => {
    if (closed) return;
    source = new EventSource(API + url());
    source.onopen = () => reportUp();
    for (const [event, fn] of Object.entries(handlers)) {
      source.addEventListener(event, (e) => {
        try {
          fn(JSON.parse((e as MessageEvent).data));
        } catch (error) {
          console.error(error);
        }
      });
    }
    source.onerror = () => {
      reportDown();
      source?.close();
      source = null;
      if (!closed) timer = setTimeout(open, 2000);
    };
  };
  open();
  return () => {
    if (!closed) done();
    closed = true;
    clearTimeout(timer);
    source?.close();
  };
}
