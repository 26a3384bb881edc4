// A real server (createServer, SQLite or PostgreSQL, port 0 on 127.0.0.1) for REST tests over
// real sockets, with root's admin token. `api(path, init)` fetches /api/v4<path> as root.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, type DispatcherServer } from '../../server/create-server.js';
import { loadServerConfig } from '../../server/config.js';

export interface RestServer {
  server: DispatcherServer;
  url: string;
  /** Root's admin token (what `serve` prints at first start). */
  adminToken: string;
  /** fetch(`${url}/api/v4${path}`) with PRIVATE-TOKEN: adminToken unless init.headers say otherwise. */
  api(pathname: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  close(): Promise<void>;
}

export async function startRestServer(options: { database?: string } = {}): Promise<RestServer> {
  const work = mkdtempSync(path.join(tmpdir(), 'gcd-rest-'));
  const server = await createServer(
    loadServerConfig({ flags: { dataDir: path.join(work, 'data'), host: '127.0.0.1', port: 0, logLevel: (process.env.GCD_TEST_LOG as 'info') ?? 'silent', webRoot: null, ...(options.database ? { database: options.database } : {}) } }),
  );
  const url = await server.start();
  const { token: adminToken } = await server.coordinator.createApiToken('admin', 'admin');
  return {
    server,
    url,
    adminToken,
    api(pathname, init = {}) {
      const { token, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token !== null && !headers.has('private-token') && !headers.has('authorization') && !headers.has('job-token')) headers.set('private-token', token ?? adminToken);
      return fetch(`${url}/api/v4${pathname}`, { ...rest, headers });
    },
    async close() {
      await server.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
