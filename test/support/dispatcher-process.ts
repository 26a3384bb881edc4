// A `gitlab-ci-dispatcher serve` child process for reliability tests, and the few HTTP calls the
// tests make against it (runner token, pipeline from a directory, pipeline detail).
//
// The child is ONE Node process (`node --import tsx src/cli/main.ts serve …`, not the tsx
// wrapper, which would leave its inner node running after a SIGKILL), so `kill9()` really is a
// crash of the dispatcher: no shutdown hook runs, sockets drop, the next start finds whatever the
// database and the data directory held at that instant.
//
// Lifecycle: spawn → ready (stdout printed "listening on URL") → killed (kill9) | stopped (SIGTERM).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');
const main = path.join(root, 'src', 'cli', 'main.ts');

export interface ServeOptions {
  dataDir: string;
  port: number;
  database?: string;
  longPollSeconds?: number;
  /** --log-level (default error). */
  logLevel?: string;
  env?: NodeJS.ProcessEnv;
  /** Give up waiting for "listening on" after this long. Default 30 s. */
  readyTimeoutMs?: number;
  /**
   * After "listening on", how long to wait for the first-start block (admin and registration
   * tokens), which is printed a moment later, and only on a first start. Default 0: don't wait.
   * `Infinity` = a first start is expected (waits up to readyTimeoutMs).
   */
  tokensWaitMs?: number;
}

export interface ServeProcess {
  url: string;
  pid: number;
  /** Printed on a first start only. */
  adminToken: string | null;
  registrationToken: string | null;
  /** Everything the child wrote so far. */
  output(): string;
  /** SIGKILL and wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM (clean shutdown) and wait for the exit; SIGKILL after 10 s. */
  stop(): Promise<void>;
  readonly exited: Promise<number | null>;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function startServe(opts: ServeOptions): Promise<ServeProcess> {
  const args = ['--import', 'tsx', main, 'serve', '--data', opts.dataDir, '--port', String(opts.port), '--host', '127.0.0.1', '--log-level', opts.logLevel ?? 'error'];
  if (opts.database) args.push('--database', opts.database);
  if (opts.longPollSeconds !== undefined) args.push('--long-poll', String(opts.longPollSeconds));
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let alive = true;
  void exited.then(() => (alive = false));

  const until = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  let listeningAt = 0;
  const ready = () => {
    if (!/listening on (\S+)/.test(out)) return false;
    listeningAt ||= Date.now();
    // The tokens come right after the "listening" line, ending with the register hint.
    if (/Register an official/.test(out)) return true;
    return Date.now() - listeningAt >= (opts.tokensWaitMs ?? 0);
  };
  while (!ready()) {
    if (!alive) throw new Error(`serve exited before it was ready:\n${out}`);
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`serve was not ready in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = /listening on (\S+)/.exec(out)![1];
  const kill = async (signal: NodeJS.Signals) => {
    if (!alive) return;
    child.kill(signal);
    const t = signal === 'SIGTERM' ? setTimeout(() => child.kill('SIGKILL'), 10_000) : undefined;
    await exited;
    clearTimeout(t);
  };
  return {
    url,
    pid: child.pid!,
    adminToken: /admin token:\s+(\S+)/.exec(out)?.[1] ?? null,
    registrationToken: /registration token:\s+(\S+)/.exec(out)?.[1] ?? null,
    output: () => out,
    kill9: () => kill('SIGKILL'),
    stop: () => kill('SIGTERM'),
    exited,
  };
}

async function api<T>(url: string, token: string, method: string, route: string, body?: unknown): Promise<T> {
  const res = await fetch(`${url}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route} → ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** A runner authentication token (glrt-…) through POST /api/ui/runners (admin token). */
export async function createRunnerToken(url: string, adminToken: string, input: { tags?: string[]; runUntagged?: boolean; description?: string } = {}): Promise<string> {
  const r = await api<{ token: string }>(url, adminToken, 'POST', '/api/ui/runners', { runUntagged: true, ...input });
  return r.token;
}

export interface PipelineJobView {
  id: number;
  name: string;
  stage: string;
  status: string;
  attempt: number;
  retried: boolean;
  runnerId: number | null;
  failureReason: string | null;
}

export interface PipelineDetailView {
  pipeline: { id: number; status: string };
  jobs: PipelineJobView[];
}

/** Uploads DIR (a tar.gz of its files) and creates a pipeline, as `pipeline create --dir` does. */
export async function createPipelineFromDir(url: string, token: string, input: { dir: string; project: string; ref?: string }): Promise<PipelineDetailView> {
  const tmp = mkdtempSync(path.join(tmpdir(), 'gcd-rel-tar-'));
  try {
    const tar = path.join(tmp, 'source.tar.gz');
    const r = spawnSync('tar', ['-czf', tar, '-C', input.dir, '--exclude=.git', '.']);
    if (r.status !== 0) throw new Error(`tar failed: ${r.stderr.toString()}`);
    const res = await fetch(`${url}/api/ui/pipelines?project=${encodeURIComponent(input.project)}&ref=${encodeURIComponent(input.ref ?? 'main')}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/gzip' },
      body: await readFile(tar),
    });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`POST /api/ui/pipelines → ${res.status}: ${text}`);
    return JSON.parse(text) as PipelineDetailView;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function getPipeline(url: string, token: string, id: number): Promise<PipelineDetailView> {
  return api<PipelineDetailView>(url, token, 'GET', `/api/ui/pipelines/${id}`);
}

const FINISHED = new Set(['success', 'failed', 'canceled', 'skipped']);

/**
 * Polls GET /api/ui/pipelines/:id (through `urlOf()`, which may change across restarts) until the
 * pipeline finishes; transport errors while the server is down are waited out. Bounded.
 */
export async function waitForPipelineOver(urlOf: () => string, token: string, id: number, timeoutMs: number): Promise<PipelineDetailView> {
  const until = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      const d = await getPipeline(urlOf(), token, id);
      last = d.pipeline.status;
      if (FINISHED.has(d.pipeline.status)) return d;
    } catch (e) {
      last = `unreachable (${(e as Error).message})`;
    }
    if (Date.now() > until) throw new Error(`pipeline ${id} not finished after ${timeoutMs} ms (last: ${last})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
