// Wires CI automation into the server: the use cases (engine/automation.ts) over the store, the
// ref -> pipeline path for triggers and schedules, the pipeline scheduler and the webhook worker.
// Created with the server; the loops start with start() and stop with stop().
import { createAutomation, type Automation } from '../engine/automation.js';
import type { Coordinator } from '../engine/coordinator.js';
import type { RepoStore } from '../git/repo-store.js';
import type { Store } from '../store/ports.js';
import type { CreatePipelineFor } from './pipeline-from-commit.js';
import { startPipelineScheduler, type PipelineScheduler } from './pipeline-scheduler.js';
import { pipelineForRef, type PipelineForRef } from './ref-pipeline.js';
import { startWebhookWorker, type WebhookWorker } from './webhook-worker.js';

export interface AutomationOptions {
  /** Scheduler tick (default 15 s). */
  scheduleTickMs?: number;
  /** Webhook retry delays (default 10 s, 1 min, 5 min, 30 min). */
  hookRetryDelaysMs?: number[];
  /** How often queued webhook deliveries are polled for (default 5 s). */
  hookPollMs?: number;
}

export interface AutomationRuntime {
  automation: Automation;
  pipelineForRef: PipelineForRef;
  readonly scheduler: PipelineScheduler | null;
  readonly webhooks: WebhookWorker | null;
  start(): void;
  stop(): Promise<void>;
}

export function createAutomationRuntime(deps: {
  store: Store;
  coordinator: Coordinator;
  repos: RepoStore;
  createPipelineFor: CreatePipelineFor;
  baseUrl: () => string;
  log: (message: string, error?: unknown) => void;
  options?: AutomationOptions;
}): AutomationRuntime {
  const forRef = pipelineForRef({ repos: deps.repos, createPipelineFor: deps.createPipelineFor });
  let scheduler: PipelineScheduler | null = null;
  let webhooks: WebhookWorker | null = null;
  const automation = createAutomation({ store: deps.store, onHooksChanged: (projectId) => webhooks?.forgetProject(projectId) });
  return {
    automation,
    pipelineForRef: forRef,
    get scheduler() {
      return scheduler;
    },
    get webhooks() {
      return webhooks;
    },
    start() {
      webhooks = startWebhookWorker({
        coordinator: deps.coordinator,
        hooks: deps.store.hooks,
        baseUrl: deps.baseUrl,
        log: deps.log,
        retryDelaysMs: deps.options?.hookRetryDelaysMs,
        pollMs: deps.options?.hookPollMs,
      });
      scheduler = startPipelineScheduler({ automation, project: (id) => deps.coordinator.read.project(id), pipelineForRef: forRef, log: deps.log, tickMs: deps.options?.scheduleTickMs });
    },
    async stop() {
      await scheduler?.stop();
      await webhooks?.stop();
    },
  };
}
