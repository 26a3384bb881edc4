// Test harness for the UI API: a real coordinator on a temporary SQLite file, filesystem traces
// and blobs, and a fastify server on 127.0.0.1 with apiPlugin at /api/ui (plus, optionally, the
// runner API at /api/v4 and the built UI at /). Everything is real; nothing is mocked.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { createFsBlobStore } from '../../artifacts/fs-blob-store.js';
import { createFsTraceStore } from '../../artifacts/fs-trace-store.js';
import type { BlobStore } from '../../artifacts/blob-store.js';
import { createCoordinator, type EngineCoordinator } from '../../engine/create-coordinator.js';
import type { EngineConfig } from '../../engine/config.js';
import type { TraceStore } from '../../engine/trace-store.js';
import type { Project } from '../../engine/model.js';
import { openStore } from '../../store/open-store.js';
import { runnerApiPlugin } from '../../runner-api/plugin.js';
import type { Store } from '../../store/ports.js';
import { apiPlugin } from '../plugin.js';
import { webStaticPlugin } from '../static.js';

export interface ApiHarness {
  dir: string;
  app: FastifyInstance;
  url: string;
  coordinator: EngineCoordinator;
  store: Store;
  traces: TraceStore;
  blobs: BlobStore;
  project: Project;
  adminToken: string;
  userToken: string;
  /** fetch against the server; `path` starts with "/". */
  fetch(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  close(): Promise<void>;
}

export interface ApiHarnessOptions {
  anonymousRead?: boolean;
  /** Also mount the runner API v4 (for a real runner). */
  runnerApi?: boolean;
  /** Serve this built UI directory at "/". */
  webRoot?: string;
  engine?: Partial<EngineConfig>;
}

export async function createApiHarness(opts: ApiHarnessOptions = {}): Promise<ApiHarness> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-api-'));
  const store = await openStore({ kind: 'sqlite', path: path.join(dir, 'db.sqlite') });
  const traces = createFsTraceStore({ dir: path.join(dir, 'traces') });
  const blobs = createFsBlobStore({ dir: path.join(dir, 'artifacts') });
  const coordinator = createCoordinator({ store, traces, config: { longPollMs: 2_000, ...opts.engine } });
  const app = Fastify({ logger: false, forceCloseConnections: true });
  let url = '';
  if (opts.runnerApi) {
    await app.register(runnerApiPlugin, {
      prefix: '/api/v4',
      coordinator,
      blobs,
      externalUrl: () => url,
      repoUrlFor: (p: Project) => `${url}/${p.path}.git`,
      maxArtifactBytes: 100 * 1024 * 1024,
      longPollMs: 2_000,
    });
  }
  await app.register(apiPlugin, { prefix: '/api/ui', coordinator, traces, blobs, auth: { anonymousRead: opts.anonymousRead ?? true } });
  if (opts.webRoot) await app.register(webStaticPlugin, { root: opts.webRoot });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  coordinator.start();
  const project = await coordinator.ensureProject('group/demo', 'main');
  const adminToken = (await coordinator.createApiToken('admin', 'admin')).token;
  const userToken = (await coordinator.createApiToken('dev', 'user')).token;
  return {
    dir,
    app,
    url,
    coordinator,
    store,
    traces,
    blobs,
    project,
    adminToken,
    userToken,
    fetch(p, init = {}) {
      const { token, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      return fetch(url + p, { ...rest, headers });
    },
    async close() {
      await coordinator.close();
      await app.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface SseEvent {
  event: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test payloads are checked by shape
  data: any;
}

/** Reads server-sent events from a streaming response until `until` returns true or the stream ends. */
export async function readEvents(
  res: Response,
  until: (events: SseEvent[]) => boolean,
  onEvent?: (e: SseEvent) => void | Promise<void>,
): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let sep: number;
      while ((sep = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, sep);
        buf = buf.slice(sep + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        if (!data.length) continue;
        const e = { event, data: JSON.parse(data.join('\n')) };
        events.push(e);
        await onEvent?.(e);
        if (until(events)) return events;
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return events;
}
