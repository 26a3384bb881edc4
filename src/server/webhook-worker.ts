// Project webhooks: turns the engine's pipeline and job status changes into queued deliveries
// (rows in hook_deliveries, so they survive a restart) and delivers them over HTTP with retries.
// Enqueuing runs off the engine's event callback (never awaited by the engine); delivering runs
// in its own loop, so a slow or dead receiver never holds a pipeline up.
//
// Per delivery:  queued ──claimed (lease, attempts+1)──► POST ──2xx──► delivered
//                  ▲                                        └─ error / non-2xx / timeout ─┐
//                  └──── next_attempt_at = now + backoff[attempts-1] ◄── attempts left ──┤
//                                                         failed ◄── no attempts left ──┘
// A node that dies holding a lease: the lease runs out and any node delivers it again (the
// receiver may see one event twice, with the same X-Gitlab-Event-UUID, as GitLab allows).
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Coordinator, CoordinatorEvent } from '../engine/coordinator.js';
import type { HookDelivery, HookEvent, ProjectHook } from '../engine/model.js';
import type { DeliveryResult, HooksPort } from '../store/automation-ports.js';
import { jobHookPayload, pipelineHookPayload, pushHookPayload } from '../rest/hook-payloads.js';

export interface WebhookWorkerOptions {
  coordinator: Coordinator;
  hooks: HooksPort;
  baseUrl: () => string;
  log: (message: string, error?: unknown) => void;
  /** Delay before attempt 2, 3, …; its length + 1 is the number of attempts (default 10 s, 1 min, 5 min, 30 min). */
  retryDelaysMs?: number[];
  /** How often queued deliveries are looked for when nothing wakes the loop (other nodes' rows). */
  pollMs?: number;
  timeoutMs?: number;
  /** How long a claimed delivery is held before another node may take it. */
  leaseMs?: number;
}

export interface WebhookWorker {
  stop(): Promise<void>;
  /** Resolves when queued work known to this node is enqueued and no delivery is in flight. */
  idle(): Promise<void>;
  /** Runs one delivery pass now. */
  deliverNow(): Promise<number>;
  /** Drops this node's cached hook list of a project (its hooks changed). */
  forgetProject(projectId: number): void;
  /** Queues "Push Hook" deliveries for a branch push (hooks with push_events), "Tag Push Hook" for a tag (tag_push_events). */
  push(input: Parameters<typeof pushHookPayload>[0] & { isTag: boolean }): Promise<void>;
}

const MAX_BODY = 2048;
const HOOK_CACHE_MS = 3_000;
const SEEN_LIMIT = 20_000;

/** One POST of a payload; never throws (errors become the result). */
export async function postHook(hook: ProjectHook, d: Pick<HookDelivery, 'event' | 'uuid' | 'payload'>, timeoutMs: number): Promise<Omit<DeliveryResult, 'status' | 'finishedAt'> & { ok: boolean }> {
  const started = performance.now();
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(hook.url);
    } catch {
      return resolve({ ok: false, responseStatus: null, responseBody: null, durationMs: 0, error: 'invalid url' });
    }
    const body = Buffer.from(d.payload);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'content-length': String(body.length),
      'user-agent': 'GitLab/17.0.0 (gitlab-ci-dispatcher)',
      'x-gitlab-event': d.event,
      'x-gitlab-event-uuid': d.uuid,
      'x-gitlab-webhook-uuid': `hook-${hook.id}`,
      'x-gitlab-instance': '',
    };
    if (hook.token) headers['x-gitlab-token'] = hook.token;
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.request(url, { method: 'POST', headers, timeout: timeoutMs, ...(url.protocol === 'https:' ? { rejectUnauthorized: hook.enableSslVerification } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < MAX_BODY) chunks.push(c);
        size += c.length;
      });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        resolve({ ok: status >= 200 && status < 300, responseStatus: status, responseBody: Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY), durationMs: performance.now() - started, error: null });
      });
      res.on('error', (e) => resolve({ ok: false, responseStatus: res.statusCode ?? null, responseBody: null, durationMs: performance.now() - started, error: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e) => resolve({ ok: false, responseStatus: null, responseBody: null, durationMs: performance.now() - started, error: e.message }));
    req.end(body);
  });
}

export function startWebhookWorker(opts: WebhookWorkerOptions): WebhookWorker {
  const { coordinator, hooks } = opts;
  const delays = opts.retryDelaysMs ?? [10_000, 60_000, 300_000, 1_800_000];
  const pollMs = opts.pollMs ?? 5_000;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const leaseMs = opts.leaseMs ?? Math.max(60_000, timeoutMs * 3);
  let stopped = false;
  let enqueueChain: Promise<void> = Promise.resolve();
  const inFlight = new Set<Promise<unknown>>();
  const hookCache = new Map<number, { at: number; hooks: Promise<ProjectHook[]> }>();
  /** Last status sent per pipeline / job: one delivery per status change. */
  const seen = new Map<string, string>();

  const hooksOf = (projectId: number): Promise<ProjectHook[]> => {
    const hit = hookCache.get(projectId);
    if (hit && Date.now() - hit.at < HOOK_CACHE_MS) return hit.hooks;
    const fresh = hooks.list(projectId);
    hookCache.set(projectId, { at: Date.now(), hooks: fresh });
    fresh.catch(() => hookCache.delete(projectId));
    return fresh;
  };

  const changed = (key: string, status: string): boolean => {
    if (seen.get(key) === status) return false;
    seen.delete(key);
    seen.set(key, status);
    if (seen.size > SEEN_LIMIT) seen.delete(seen.keys().next().value as string);
    return true;
  };

  const enqueue = async (event: CoordinatorEvent) => {
    if (event.type === 'trace') return;
    const projectId = event.type === 'pipeline' ? event.pipeline.projectId : event.job.projectId;
    const kind: HookEvent = event.type === 'pipeline' ? 'Pipeline Hook' : 'Job Hook';
    const targets = (await hooksOf(projectId)).filter((h) => (event.type === 'pipeline' ? h.pipelineEvents : h.jobEvents));
    if (targets.length === 0) return;
    const pipelineId = event.type === 'pipeline' ? event.pipeline.id : event.job.pipelineId;
    const detail = await coordinator.read.pipeline(pipelineId);
    if (!detail) return;
    const ctx = { baseUrl: opts.baseUrl() };
    const payload =
      event.type === 'pipeline'
        ? pipelineHookPayload({ pipeline: event.pipeline, project: detail.project, jobs: detail.jobs }, ctx)
        : jobHookPayload({ job: event.job, pipeline: detail.pipeline, project: detail.project, retries: event.job.attempt }, ctx);
    const body = JSON.stringify(payload);
    const at = new Date().toISOString();
    await hooks.enqueue(targets.map((h) => ({ hookId: h.id, projectId, event: kind, uuid: randomUUID(), payload: body, createdAt: at })));
    kick();
  };

  const unsubscribe = coordinator.subscribe((event) => {
    if (stopped || event.type === 'trace') return;
    const key = event.type === 'pipeline' ? `p${event.pipeline.id}` : `j${event.job.id}`;
    const status = event.type === 'pipeline' ? event.pipeline.status : event.job.status;
    if (!changed(key, status)) return;
    enqueueChain = enqueueChain.then(() => enqueue(event)).catch((error) => opts.log('webhook event could not be queued', error));
  });

  const deliver = async (d: HookDelivery) => {
    const hook = await hooks.byId(d.hookId);
    if (!hook) return;
    const r = await postHook(hook, d, timeoutMs);
    const base = { responseStatus: r.responseStatus, responseBody: r.responseBody, durationMs: r.durationMs, error: r.error };
    if (r.ok) return hooks.finishAttempt(d.id, { ...base, status: 'delivered', finishedAt: new Date().toISOString() });
    const delay = delays[d.attempts - 1];
    if (delay === undefined) return hooks.finishAttempt(d.id, { ...base, status: 'failed', finishedAt: new Date().toISOString() });
    await hooks.finishAttempt(d.id, { ...base, status: 'queued', nextAttemptAt: new Date(Date.now() + delay).toISOString(), finishedAt: null });
  };

  let passing: Promise<number> | null = null;
  const pass = (): Promise<number> => {
    if (passing) return passing;
    passing = (async () => {
      let total = 0;
      for (;;) {
        const now = Date.now();
        const batch = await hooks.claimDue(new Date(now).toISOString(), new Date(now + leaseMs).toISOString(), 8);
        if (batch.length === 0 || stopped) return total;
        total += batch.length;
        await Promise.all(batch.map((d) => deliver(d).catch((error) => opts.log(`webhook delivery ${d.id} could not be recorded`, error))));
      }
    })().finally(() => {
      passing = null;
    });
    return passing;
  };

  const track = (p: Promise<unknown>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  function kick() {
    if (stopped) return;
    track(pass().catch((error) => opts.log('webhook delivery pass failed', error)));
  }

  // Rows queued before a restart (or by another node) are delivered by the periodic pass. The
  // first one waits a little (at most a second): a server that just started (`run`) has its
  // first pipeline to make, and a pass builds and runs its first queries.
  const timer = setInterval(kick, pollMs);
  timer.unref();
  const first = setTimeout(kick, Math.min(pollMs, 1000));
  first.unref();

  return {
    async stop() {
      stopped = true;
      unsubscribe();
      clearInterval(timer);
      clearTimeout(first);
      await enqueueChain;
      await Promise.allSettled([...inFlight]);
    },
    async idle() {
      await enqueueChain;
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    deliverNow: () => pass(),
    forgetProject: (projectId) => void hookCache.delete(projectId),
    async push(input) {
      if (stopped) return;
      const targets = (await hooksOf(input.project.id)).filter((h) => (input.isTag ? h.tagPushEvents : h.pushEvents));
      if (targets.length === 0) return;
      const body = JSON.stringify(pushHookPayload(input, { baseUrl: opts.baseUrl() }));
      const at = new Date().toISOString();
      const event = input.isTag ? ('Tag Push Hook' as const) : ('Push Hook' as const);
      await hooks.enqueue(targets.map((h) => ({ hookId: h.id, projectId: input.project.id, event, uuid: randomUUID(), payload: body, createdAt: at })));
      kick();
    },
  };
}
