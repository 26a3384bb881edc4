// Test helper: is a Docker engine answering? The skip/require rule, as for PostgreSQL
// (src/store/test-support/pg-database.ts): no engine skips with a visible message, unless
// GCD_REQUIRE_DOCKER=1 (.ci/run sets it), where it fails.
import http from 'node:http';
import net from 'node:net';

/** The engine's socket: DOCKER_HOST=unix://… when set, else the default socket. */
export const DOCKER_SOCKET = /^unix:\/\//.test(process.env.DOCKER_HOST ?? '') ? process.env.DOCKER_HOST!.slice('unix://'.length) : '/var/run/docker.sock';

/** GET /_ping on the socket; true when the engine answers OK within `timeoutMs`. */
export function dockerReachable(timeoutMs = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath: DOCKER_SOCKET, path: '/_ping', timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(res.statusCode === 200 && body.trim() === 'OK'));
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
  });
}

/** True when Docker tests should run; throws when they must run (GCD_REQUIRE_DOCKER=1) and cannot. */
export async function requireDocker(what: string): Promise<boolean> {
  if (await dockerReachable()) return true;
  if (process.env.GCD_REQUIRE_DOCKER === '1') throw new Error(`Docker is required (GCD_REQUIRE_DOCKER=1) but no engine answers /_ping on ${DOCKER_SOCKET}`);
  console.warn(`[skip] ${what}: no Docker engine answers on ${DOCKER_SOCKET}`);
  return false;
}

/**
 * A free port for a container under host networking, outside the kernel's ephemeral range
 * (32768-60999 by default): other tests' servers listen on port 0 and could otherwise be handed
 * the same port between this check and the container's bind.
 */
export async function freeHostPort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const free = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '0.0.0.0', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
}
