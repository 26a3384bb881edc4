// Compiling .gitlab-ci.yml off the main event loop: a small pool of worker threads
// (compile-worker.ts), each with a memory budget (resourceLimits) and each compile with a time
// budget. Requests, long polls and trace uploads keep being answered while a large configuration
// compiles; one that takes too long or needs too much memory ends its worker and comes back as
// an invalid configuration with a clear message (a plan with one error), never a stalled server.
// Files are read on the main thread, on the worker's request (ProjectFiles stays synchronous).
//
// Per worker:  starting ──► idle ──compile──► busy ──plan──► idle
//                                              ├─ time budget passed ──► terminated (replaced)
//                                              └─ out of memory / crash ──► exited (replaced)
// One worker is started at once (warm, so a small pipeline pays only the round trip); more, up
// to `size`, when compiles overlap.
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { CompileLimits, CompileOptions, PipelinePlan } from '../ci/plan.js';
import type { CompileRequest, FileReply, FileRequest } from './compile-worker.js';

export type Compiler = (options: CompileOptions) => Promise<PipelinePlan>;

export interface CompilePoolOptions {
  /** Most workers at once (default 2). */
  size?: number;
  /** Time budget of one compile (default 30 s, GitLab's Gitlab::Ci::Config::TIMEOUT_SECONDS). */
  timeoutMs?: number;
  /** V8 old-generation heap of a worker, in MB (default 512). */
  maxMemoryMb?: number;
  /** Limits applied to every compile unless the call sets them. */
  limits?: CompileLimits;
}

export interface CompilePool {
  compile: Compiler;
  close(): Promise<void>;
}

interface Task {
  id: number;
  options: CompileOptions;
  resolve(plan: PipelinePlan): void;
}

interface Slot {
  worker: Worker;
  /** Loaded and listening: the time budget counts compile time, not the start. */
  ready: boolean;
  task: Task | null;
  timer: NodeJS.Timeout | null;
  port: MessagePort | null;
}

/** A plan that only says why the configuration could not be compiled. */
export function failedPlan(configPath: string, message: string): PipelinePlan {
  return {
    stages: [],
    jobs: [],
    variables: [],
    workflow: { created: false, name: null, autoCancel: { onNewCommit: 'conservative', onJobFailure: 'none' } },
    errors: [{ file: configPath, line: 1, column: 1, severity: 'error', message }],
    warnings: [],
  };
}

function startWorker(maxMemoryMb: number): Worker {
  const here = import.meta.url;
  const resourceLimits = { maxOldGenerationSizeMb: maxMemoryMb, maxYoungGenerationSizeMb: Math.min(64, Math.max(8, Math.floor(maxMemoryMb / 8))) };
  if (here.endsWith('.ts')) {
    // From the TypeScript sources (tests, tsx): the worker loads them through tsx.
    const entry = JSON.stringify(new URL('./compile-worker.ts', here).href);
    return new Worker(`import('tsx/esm/api').then((api) => { api.register(); return import(${entry}); })`, { eval: true, resourceLimits });
  }
  return new Worker(new URL('./compile-worker.js', here), { resourceLimits });
}

function answer(options: CompileOptions, request: FileRequest): unknown {
  if (request.op === 'read') return options.files.readBytes ? options.files.readBytes(request.path) : options.files.read(request.path);
  if (request.op === 'list') return [...options.files.list()];
  return options.externalInclude?.(request.kind, request.location);
}

export function createCompilePool(opts: CompilePoolOptions = {}): CompilePool {
  const size = Math.max(1, opts.size ?? 2);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxMemoryMb = opts.maxMemoryMb ?? 512;
  const slots: Slot[] = [];
  const queue: Task[] = [];
  let nextId = 1;
  let closed = false;

  const settle = (slot: Slot, plan: PipelinePlan) => {
    const task = slot.task;
    if (slot.timer) clearTimeout(slot.timer);
    slot.port?.close();
    slot.task = null;
    slot.timer = null;
    slot.port = null;
    slot.worker.unref();
    task?.resolve(plan);
  };

  const drop = (slot: Slot, message: string) => {
    const i = slots.indexOf(slot);
    if (i >= 0) slots.splice(i, 1);
    if (slot.task) settle(slot, failedPlan(slot.task.options.configPath ?? '.gitlab-ci.yml', message));
    void slot.worker.terminate();
    if (!slot.ready) {
      // It could not even start: fail what waits rather than start workers in a loop.
      for (const task of queue.splice(0)) task.resolve(failedPlan(task.options.configPath ?? '.gitlab-ci.yml', `internal compiler error: the compile worker could not start (${message})`));
      return;
    }
    if (!closed && slots.length === 0) spawn(); // stay warm
    dispatch();
  };

  const spawn = (): Slot => {
    const slot: Slot = { worker: startWorker(maxMemoryMb), ready: false, task: null, timer: null, port: null };
    slot.worker.unref();
    slot.worker.on('message', (message: { ready?: true; id?: number; plan?: PipelinePlan }) => {
      if (message.ready) slot.ready = true;
      else if (slot.task && slot.task.id === message.id) settle(slot, message.plan!);
      dispatch();
    });
    slot.worker.on('error', (error: Error & { code?: string }) => {
      drop(slot, error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `The configuration needs too much memory to process (limit: ${maxMemoryMb} MB)` : `internal compiler error: ${error.message}`);
    });
    slot.worker.on('exit', () => {
      if (slots.includes(slot)) drop(slot, 'internal compiler error: the compile worker stopped');
    });
    slots.push(slot);
    return slot;
  };

  const run = (slot: Slot, task: Task) => {
    const { port1, port2 } = new MessageChannel();
    const signal = new SharedArrayBuffer(4);
    const flag = new Int32Array(signal);
    port1.on('message', (request: FileRequest) => {
      let reply: FileReply;
      try {
        reply = { ok: true, value: answer(task.options, request) };
      } catch (error) {
        reply = { ok: false, error: (error as Error)?.message ?? String(error) };
      }
      port1.postMessage(reply);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    });
    slot.task = task;
    slot.port = port1;
    slot.worker.ref();
    slot.timer = setTimeout(() => drop(slot, `The configuration took too long to process (limit: ${timeoutMs / 1000} s)`), timeoutMs);
    const { configPath, context, limits, externalInclude } = task.options;
    const request: CompileRequest = { id: task.id, configPath, context, limits: { ...opts.limits, ...limits }, hasExternal: externalInclude !== undefined, port: port2, signal };
    slot.worker.postMessage(request, [port2]);
  };

  const dispatch = () => {
    while (queue.length > 0 && !closed) {
      const slot = slots.find((s) => s.ready && s.task === null);
      if (!slot) {
        if (!slots.some((s) => !s.ready) && slots.length < size) spawn();
        return;
      }
      run(slot, queue.shift()!);
    }
  };

  spawn();
  return {
    compile(options) {
      if (closed) return Promise.resolve(failedPlan(options.configPath ?? '.gitlab-ci.yml', 'the server is shutting down'));
      return new Promise((resolve) => {
        queue.push({ id: nextId++, options, resolve });
        dispatch();
      });
    },
    async close() {
      closed = true;
      for (const task of queue.splice(0)) task.resolve(failedPlan(task.options.configPath ?? '.gitlab-ci.yml', 'the server is shutting down'));
      const all = slots.splice(0);
      for (const slot of all) if (slot.task) settle(slot, failedPlan(slot.task.options.configPath ?? '.gitlab-ci.yml', 'the server is shutting down'));
      await Promise.all(all.map((s) => s.worker.terminate()));
    },
  };
}
