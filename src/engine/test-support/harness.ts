// Test helper: a real coordinator on a temporary SQLite file (or a given store) with a
// filesystem trace store, plus shortcuts to register runners and run jobs through the facade.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createFsTraceStore } from '../../artifacts/fs-trace-store.js';
import type { PipelinePlan } from '../../ci/plan.js';
import { openStore } from '../../store/open-store.js';
import type { Store } from '../../store/ports.js';
import type { Clock } from '../../util/clock.js';
import type { EngineConfig } from '../config.js';
import type { CreateRunnerInput, RunnerInfoInput } from '../coordinator.js';
import { createCoordinator, type EngineCoordinator } from '../create-coordinator.js';
import type { Job, Project, Runner } from '../model.js';

export interface Harness {
  dir: string;
  store: Store;
  coordinator: EngineCoordinator;
  project: Project;
  runner(input?: CreateRunnerInput): Promise<Runner>;
  /** Claims one job for `runner` without holding; null when none. */
  claim(runner: Runner, info?: RunnerInfoInput): Promise<{ job: Job; token: string } | null>;
  pipeline(plan: PipelinePlan, over?: { ref?: string; isTag?: boolean; variables?: { key: string; value: string }[] }): Promise<number>;
  /** name -> status of the current (non-retried) jobs. */
  statuses(pipelineId: number): Promise<Record<string, string>>;
  jobNamed(pipelineId: number, name: string): Promise<Job>;
  close(): Promise<void>;
}

export class FakeClock implements Clock {
  constructor(public t = Date.parse('2026-01-01T00:00:00Z')) {}
  now(): Date {
    return new Date(this.t);
  }
  advance(seconds: number): void {
    this.t += seconds * 1000;
  }
}

export async function createHarness(opts: { store?: Store; clock?: Clock; config?: Partial<EngineConfig> } = {}): Promise<Harness> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-engine-'));
  const store = opts.store ?? (await openStore({ kind: 'sqlite', path: path.join(dir, 'db.sqlite') }));
  const coordinator = createCoordinator({ store, traces: createFsTraceStore({ dir: path.join(dir, 'traces') }), clock: opts.clock, config: opts.config });
  const project = await coordinator.ensureProject(`group/p${Math.random().toString(36).slice(2, 8)}`, 'main');
  const h: Harness = {
    dir,
    store,
    coordinator,
    project,
    async runner(input = {}) {
      return (await coordinator.createRunner({ runUntagged: true, ...input })).runner;
    },
    async claim(runner, info) {
      const r = await coordinator.requestJob({ runner, info, holdMs: 0, signal: new AbortController().signal });
      return r.kind === 'job' ? { job: r.claimed.job, token: r.claimed.token } : null;
    },
    async pipeline(plan, over = {}) {
      const d = await coordinator.createPipeline({
        projectId: project.id,
        ref: over.ref ?? 'main',
        isTag: over.isTag ?? false,
        sha: 'a'.repeat(40),
        source: 'push',
        plan,
        variables: over.variables,
      });
      return d.pipeline.id;
    },
    async statuses(pipelineId) {
      const d = await coordinator.read.pipeline(pipelineId);
      const out: Record<string, string> = {};
      for (const j of d!.jobs) if (!j.retried) out[j.name] = j.status;
      return out;
    },
    async jobNamed(pipelineId, name) {
      const d = await coordinator.read.pipeline(pipelineId);
      const j = d!.jobs.find((x) => x.name === name && !x.retried);
      if (!j) throw new Error(`no job ${name}`);
      return j;
    },
    async close() {
      await coordinator.close();
      if (!opts.store) await h.store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return h;
}
