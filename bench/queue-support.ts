// Shared helpers for the queue and pipeline benchmarks: stores for each dialect, percentiles.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createFsTraceStore } from '../src/artifacts/fs-trace-store.js';
import { createCoordinator, type EngineCoordinator } from '../src/engine/create-coordinator.js';
import type { EngineConfig } from '../src/engine/config.js';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/ports.js';
import { createPgDatabase, pgReachable } from '../src/store/test-support/pg-database.js';

export interface BenchEnv {
  dialect: 'sqlite' | 'postgres';
  open(): Promise<Store>;
  coordinator(store: Store, config?: Partial<EngineConfig>): EngineCoordinator;
  dispose(): Promise<void>;
}

export async function environments(): Promise<BenchEnv[]> {
  const wanted = (process.env.BENCH_DIALECTS ?? 'sqlite,postgres').split(',');
  const envs: BenchEnv[] = [];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-bench-'));
  const traces = createFsTraceStore({ dir: path.join(dir, 'traces') });
  const coordinator = (store: Store, config?: Partial<EngineConfig>) => createCoordinator({ store, traces, config });
  if (wanted.includes('sqlite')) {
    envs.push({ dialect: 'sqlite', open: () => openStore({ kind: 'sqlite', path: path.join(dir, 'bench.db') }), coordinator, dispose: async () => {} });
  }
  if (wanted.includes('postgres')) {
    if (await pgReachable()) {
      const db = await createPgDatabase();
      const synchronousCommit = process.env.BENCH_PG_SYNC_COMMIT !== 'off';
      if (!synchronousCommit) console.log('postgres: synchronous_commit=off');
      envs.push({ dialect: 'postgres', open: () => openStore({ kind: 'postgres', url: db.url, poolSize: 20, synchronousCommit }), coordinator, dispose: () => db.drop() });
    } else console.log('postgres: not reachable, skipped');
  }
  process.on('exit', () => void rm(dir, { recursive: true, force: true }));
  return envs;
}

export function summary(label: string, samplesMs: number[], extra = ''): string {
  const s = [...samplesMs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  const f = (x: number) => x.toFixed(x < 10 ? 3 : 1);
  return `${label}: n=${s.length} p50=${f(q(0.5))}ms p95=${f(q(0.95))}ms p99=${f(q(0.99))}ms max=${f(s[s.length - 1] ?? NaN)}ms${extra ? ' ' + extra : ''}`;
}

export const never = new AbortController().signal;
