// Benchmark helper: the runner API server in a CHILD process (so the load generator does not share
// its CPU or heap), driven over IPC by the bench scripts. It counts every store port call (one
// call ~ one SQL statement) so that idle long polls can be shown to cost no query.
//   parent: const s = await startBenchServer({ longPollMs }); await s.rpc('runners', { count, tags })
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '../src/store/ports.js';

type Rpc = (cmd: string, args?: Record<string, unknown>) => Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface BenchServer {
  url: string;
  rpc: Rpc;
  close(): Promise<void>;
}

export interface BenchServerOptions {
  longPollMs: number;
  maxArtifactBytes?: number;
  traceLimitBytes?: number;
}

/**
 * The child runs plain JavaScript, as in production: this file is bundled with esbuild (packages
 * stay external) into node_modules/.cache/gcd-bench/. If esbuild is unavailable the child runs
 * under the same TypeScript loader as the parent (its RSS then includes the loader).
 */
async function childEntry(): Promise<{ entry: string; execArgv: string[] }> {
  const self = fileURLToPath(import.meta.url);
  if (!self.endsWith('.ts')) return { entry: self, execArgv: ['--expose-gc'] };
  try {
    const esbuild = await import('esbuild');
    const outfile = path.join(path.dirname(self), '..', 'node_modules', '.cache', 'gcd-bench', 'runner-api-bench-server.mjs');
    await esbuild.build({ entryPoints: [self], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile, logLevel: 'silent' });
    return { entry: outfile, execArgv: ['--expose-gc'] };
  } catch {
    return { entry: self, execArgv: [...process.execArgv, '--expose-gc'] };
  }
}

export async function startBenchServer(options: BenchServerOptions): Promise<BenchServer> {
  const { entry, execArgv } = await childEntry();
  const child: ChildProcess = fork(entry, ['--child', JSON.stringify(options)], {
    execArgv: execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let seq = 0;
  const waiting = new Map<number, (value: unknown) => void>();
  const ready = new Promise<string>((resolve) => {
    child.on('message', (msg: { id?: number; url?: string; result?: unknown; error?: string }) => {
      if (msg.url) resolve(msg.url);
      if (msg.id !== undefined) {
        if (msg.error) console.error('bench server error:', msg.error);
        waiting.get(msg.id)?.(msg.result);
        waiting.delete(msg.id);
      }
    });
  });
  const url = await ready;
  const rpc: Rpc = (cmd, args = {}) =>
    new Promise((resolve) => {
      const id = ++seq;
      waiting.set(id, resolve);
      child.send({ id, cmd, args });
    });
  return {
    url,
    rpc,
    async close() {
      await rpc('close');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** Counts calls to every function of every store port (and transactions). */
function countingStore(store: Store, counter: { calls: number }): Store {
  const wrapPorts = <T extends object>(ports: T): T =>
    new Proxy(ports, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (key === 'pendingSignal' || key === 'dialect' || value === null || typeof value !== 'object') {
          if (typeof value === 'function' && key !== 'transaction') {
            return (...args: unknown[]) => {
              counter.calls++;
              return (value as (...a: unknown[]) => unknown).apply(target, args);
            };
          }
          if (key === 'transaction') {
            return (fn: (tx: unknown) => Promise<unknown>) => {
              counter.calls++;
              return (value as (f: unknown) => Promise<unknown>).call(target, (tx: object) => fn(wrapPorts(tx)));
            };
          }
          return value;
        }
        return wrapPorts(value as object);
      },
    });
  return wrapPorts(store);
}

async function child(options: BenchServerOptions) {
  const { startRunnerApiTestServer } = await import('../src/runner-api/test-support/start-test-server.js');
  const { job, planOf } = await import('../src/engine/test-support/plan-builder.js');
  const counter = { calls: 0 };
  const t = await startRunnerApiTestServer({
    longPollMs: options.longPollMs,
    maxArtifactBytes: options.maxArtifactBytes,
    // Sweepers off (hourly): they are not part of what is measured.
    engine: { sweepIntervalMs: 3_600_000, ...(options.traceLimitBytes ? { traceLimitBytes: options.traceLimitBytes } : {}) },
    wrapStore: (store) => countingStore(store, counter),
  });
  const handlers: Record<string, (args: any) => Promise<unknown>> = { // eslint-disable-line @typescript-eslint/no-explicit-any
    async runners({ count, tags }: { count: number; tags?: string[] }) {
      const tokens: string[] = [];
      for (let i = 0; i < count; i++) tokens.push((await t.createRunner({ tags: tags ?? [], runUntagged: !tags?.length })).token);
      return tokens;
    },
    async pipeline({ jobs, tag, artifacts }: { jobs: number; tag: string; artifacts?: boolean }) {
      const list = Array.from({ length: jobs }, (_, i) =>
        job(`job-${i}`, {
          tags: [tag],
          artifacts: artifacts ? { name: null, paths: ['out/'], exclude: [], untracked: false, when: 'on_success', expireIn: null, exposeAs: null, reports: {} } : null,
        }),
      );
      const { pipeline } = await t.createPipeline(planOf(['test'], list));
      return pipeline.id;
    },
    async stats() {
      const cpu = process.cpuUsage();
      return { rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed, cpuMs: (cpu.user + cpu.system) / 1000, storeCalls: counter.calls, parked: t.coordinator.parkedPolls() };
    },
    async gc() {
      (globalThis as { gc?: () => void }).gc?.();
      return true;
    },
    async close() {
      await t.close();
      setImmediate(() => process.exit(0));
      return true;
    },
  };
  process.on('message', async (msg: { id: number; cmd: string; args: unknown }) => {
    try {
      process.send!({ id: msg.id, result: await handlers[msg.cmd](msg.args) });
    } catch (error) {
      process.send!({ id: msg.id, error: String(error) });
    }
  });
  process.send!({ url: t.url });
}

if (process.argv[2] === '--child') void child(JSON.parse(process.argv[3]));
