// CI automation use cases over the store: pipeline trigger tokens, pipeline schedules (with cron
// and their variables), project webhooks and their delivery log, and external commit statuses.
// Creating the pipelines themselves (trigger, schedule) is the server's create-pipeline path
// (server/ref-pipeline.ts); this facade only decides and records.
//
// Tokens: random (util/tokens.ts), stored only as a SHA-256 hash; the plaintext is returned once.
import type { StorePorts } from '../store/ports.js';
import { badRequest, notFound } from '../util/errors.js';
import { systemClock, type Clock } from '../util/clock.js';
import { hashToken, randomToken } from '../util/tokens.js';
import type {
  CommitStatus,
  CommitStatusState,
  HookDelivery,
  PipelineSchedule,
  PipelineTrigger,
  ProjectHook,
  ScheduleVariable,
} from './model.js';
import { assertCron, nextCronRun } from './schedule-cron.js';

export const TRIGGER_TOKEN_PREFIX = 'glptt-';

export interface ScheduleInput {
  description: string;
  ref: string;
  cron: string;
  cronTimezone?: string;
  active?: boolean;
}

/** tag_push_events is off unless asked for (GitLab's default). */
export type HookInput = Omit<ProjectHook, 'id' | 'projectId' | 'createdAt' | 'tagPushEvents'> & { tagPushEvents?: boolean };

export interface CommitStatusInput {
  projectId: number;
  sha: string;
  state: CommitStatusState;
  ref?: string | null;
  name?: string;
  targetUrl?: string | null;
  description?: string | null;
  coverage?: number | null;
  pipelineId?: number | null;
  authorName?: string | null;
}

export interface Automation {
  triggers: {
    create(projectId: number, description: string, ownerName: string | null): Promise<{ trigger: PipelineTrigger; token: string }>;
    list(projectId: number): Promise<PipelineTrigger[]>;
    get(projectId: number, id: number): Promise<PipelineTrigger>;
    update(projectId: number, id: number, description: string): Promise<PipelineTrigger>;
    delete(projectId: number, id: number): Promise<void>;
    /** The project's trigger for this token (and marks it used), or null. */
    authenticate(projectId: number, token: string): Promise<PipelineTrigger | null>;
  };
  schedules: {
    create(projectId: number, input: ScheduleInput, ownerName: string | null): Promise<PipelineSchedule>;
    list(projectId: number, scope?: 'active' | 'inactive'): Promise<PipelineSchedule[]>;
    get(projectId: number, id: number): Promise<PipelineSchedule>;
    update(projectId: number, id: number, patch: Partial<ScheduleInput>): Promise<PipelineSchedule>;
    delete(projectId: number, id: number): Promise<PipelineSchedule>;
    takeOwnership(projectId: number, id: number, ownerName: string): Promise<PipelineSchedule>;
    setVariable(projectId: number, id: number, v: ScheduleVariable, mode: 'create' | 'update'): Promise<ScheduleVariable>;
    deleteVariable(projectId: number, id: number, key: string): Promise<ScheduleVariable>;
    /** Due schedules (active, next_run_at passed). */
    due(limit: number): Promise<PipelineSchedule[]>;
    /** Moves the schedule to its next run after now; true for the one node that fires this run. */
    claim(schedule: PipelineSchedule): Promise<boolean>;
    recordPipeline(scheduleId: number, pipelineId: number): Promise<void>;
    /** Ids of the pipelines the schedule created, newest first (one page), and their number. */
    pipelineIds(projectId: number, id: number, page: { offset: number; limit: number }): Promise<{ total: number; ids: number[] }>;
  };
  hooks: {
    create(projectId: number, input: HookInput): Promise<ProjectHook>;
    list(projectId: number): Promise<ProjectHook[]>;
    get(projectId: number, id: number): Promise<ProjectHook>;
    update(projectId: number, id: number, patch: Partial<HookInput>): Promise<ProjectHook>;
    delete(projectId: number, id: number): Promise<void>;
    deliveries(projectId: number, hookId: number, q: { limit: number; beforeId?: number; status?: HookDelivery['status'] }): Promise<HookDelivery[]>;
    resend(projectId: number, hookId: number, deliveryId: number): Promise<void>;
  };
  commitStatuses: {
    post(input: CommitStatusInput): Promise<CommitStatus>;
    list(projectId: number, sha: string, q?: { ref?: string; name?: string }): Promise<CommitStatus[]>;
  };
}

const MAX_TEXT = 1024;
const KEY = /^[A-Za-z0-9_]{1,255}$/;

function text(value: string, what: string, max = MAX_TEXT): string {
  if (value.includes('\u0000')) throw badRequest(`${what} must not contain NUL characters`);
  if (value.length > max) throw badRequest(`${what} is too long (maximum is ${max} characters)`);
  return value;
}

/** http(s) URL, as GitLab requires for hooks. */
export function assertHookUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badRequest('url is invalid');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw badRequest('url is blocked: Only allowed schemes are http, https');
  return text(url, 'url', 2048);
}

/** `onHooksChanged`: a project's hooks were added, changed or removed (caches of this node drop them). */
export function createAutomation(opts: { store: StorePorts; clock?: Clock; onHooksChanged?: (projectId: number) => void }): Automation {
  const { store } = opts;
  const hooksChanged = (projectId: number) => opts.onHooksChanged?.(projectId);
  const clock = opts.clock ?? systemClock;
  const now = () => clock.now().toISOString();

  const own = <T extends { projectId: number }>(row: T | null, projectId: number, what: string): T => {
    if (!row || row.projectId !== projectId) throw notFound(`404 ${what} Not Found`);
    return row;
  };
  const nextRun = (cron: string, tz: string, active: boolean) => (active ? nextCronRun(cron, tz, clock.now()) : null);

  const schedules: Automation['schedules'] = {
    async create(projectId, input, ownerName) {
      const tz = input.cronTimezone || 'UTC';
      assertCron(input.cron, tz);
      if (!input.ref.trim()) throw badRequest('ref is missing');
      const active = input.active ?? true;
      const at = now();
      return store.schedules.insert({
        projectId,
        description: text(input.description, 'description'),
        ref: text(input.ref.replace(/^refs\/(heads|tags)\//, ''), 'ref', 255),
        cron: input.cron.trim(),
        cronTimezone: tz,
        active,
        nextRunAt: nextRun(input.cron, tz, active),
        ownerName,
        createdAt: at,
        updatedAt: at,
      });
    },
    list: (projectId, scope) => store.schedules.list(projectId, scope),
    get: async (projectId, id) => own(await store.schedules.byId(id), projectId, 'Pipeline Schedule'),
    async update(projectId, id, patch) {
      const current = own(await store.schedules.byId(id), projectId, 'Pipeline Schedule');
      const cron = patch.cron?.trim() ?? current.cron;
      const tz = patch.cronTimezone || current.cronTimezone;
      const active = patch.active ?? current.active;
      assertCron(cron, tz);
      if (patch.description !== undefined) text(patch.description, 'description');
      const ref = patch.ref === undefined ? undefined : text(patch.ref.replace(/^refs\/(heads|tags)\//, ''), 'ref', 255);
      if (ref !== undefined && !ref.trim()) throw badRequest('ref is missing');
      const timing = cron !== current.cron || tz !== current.cronTimezone || active !== current.active;
      const updated = await store.schedules.update(id, {
        description: patch.description,
        ref,
        cron,
        cronTimezone: tz,
        active,
        ...(timing ? { nextRunAt: nextRun(cron, tz, active) } : {}),
        updatedAt: now(),
      });
      return own(updated, projectId, 'Pipeline Schedule');
    },
    async delete(projectId, id) {
      const current = own(await store.schedules.byId(id), projectId, 'Pipeline Schedule');
      await store.schedules.delete(id);
      return current;
    },
    async takeOwnership(projectId, id, ownerName) {
      own(await store.schedules.byId(id), projectId, 'Pipeline Schedule');
      return own(await store.schedules.update(id, { ownerName, updatedAt: now() }), projectId, 'Pipeline Schedule');
    },
    async setVariable(projectId, id, v, mode) {
      const current = own(await store.schedules.byId(id), projectId, 'Pipeline Schedule');
      if (!KEY.test(v.key)) throw badRequest('key is invalid: only letters, digits and _ are allowed (1 to 255 characters)');
      text(v.value, 'value', 10_000);
      const exists = current.variables.some((x) => x.key === v.key);
      if (mode === 'create' && exists) throw badRequest(`key (${v.key}) has already been taken`);
      if (mode === 'update' && !exists) throw notFound('404 Variable Not Found');
      await store.schedules.setVariable(id, v);
      return v;
    },
    async deleteVariable(projectId, id, key) {
      const current = own(await store.schedules.byId(id), projectId, 'Pipeline Schedule');
      const v = current.variables.find((x) => x.key === key);
      if (!v) throw notFound('404 Variable Not Found');
      await store.schedules.deleteVariable(id, key);
      return v;
    },
    due: (limit) => store.schedules.due(now(), limit),
    async claim(s) {
      if (!s.nextRunAt) return false;
      // the next run after now (not after the missed one): one pipeline after downtime, no burst
      const next = nextCronRun(s.cron, s.cronTimezone, clock.now());
      return store.schedules.claimRun(s.id, s.nextRunAt, next ?? '9999-12-31T23:59:59.999Z');
    },
    recordPipeline: (scheduleId, pipelineId) => store.schedules.setLastPipeline(scheduleId, pipelineId),
    pipelineIds: async (projectId, id, page) => {
      own(await store.schedules.byId(id), projectId, 'Pipeline Schedule');
      return store.schedules.pipelineIds(id, page);
    },
  };

  return {
    triggers: {
      async create(projectId, description, ownerName) {
        const token = randomToken(TRIGGER_TOKEN_PREFIX);
        const at = now();
        const trigger = await store.triggers.insert({ projectId, description: text(description, 'description'), tokenHash: hashToken(token), tokenPrefix: token.slice(0, 4), ownerName, createdAt: at, updatedAt: at });
        return { trigger, token };
      },
      list: (projectId) => store.triggers.list(projectId),
      get: async (projectId, id) => own(await store.triggers.byId(id), projectId, 'Trigger'),
      async update(projectId, id, description) {
        own(await store.triggers.byId(id), projectId, 'Trigger');
        return own(await store.triggers.update(id, { description: text(description, 'description'), updatedAt: now() }), projectId, 'Trigger');
      },
      async delete(projectId, id) {
        own(await store.triggers.byId(id), projectId, 'Trigger');
        await store.triggers.delete(id);
      },
      async authenticate(projectId, token) {
        if (!token) return null;
        // lookup by hash: the comparison is on the SHA-256, never on the plaintext
        const t = await store.triggers.byTokenHash(hashToken(token));
        if (!t || t.projectId !== projectId) return null;
        await store.triggers.touch(t.id, now());
        return t;
      },
    },
    schedules,
    hooks: {
      async create(projectId, input) {
        const hook = await store.hooks.insert({ ...input, tagPushEvents: input.tagPushEvents ?? false, url: assertHookUrl(input.url), token: input.token ? text(input.token, 'token') : null, projectId, createdAt: now() });
        hooksChanged(projectId);
        return hook;
      },
      list: (projectId) => store.hooks.list(projectId),
      get: async (projectId, id) => own(await store.hooks.byId(id), projectId, 'Hook'),
      async update(projectId, id, patch) {
        own(await store.hooks.byId(id), projectId, 'Hook');
        const clean = { ...patch };
        if (clean.url !== undefined) clean.url = assertHookUrl(clean.url);
        if (clean.token !== undefined) clean.token = clean.token ? text(clean.token, 'token') : null;
        const hook = own(await store.hooks.update(id, clean), projectId, 'Hook');
        hooksChanged(projectId);
        return hook;
      },
      async delete(projectId, id) {
        own(await store.hooks.byId(id), projectId, 'Hook');
        await store.hooks.delete(id);
        hooksChanged(projectId);
      },
      async deliveries(projectId, hookId, q) {
        own(await store.hooks.byId(hookId), projectId, 'Hook');
        return store.hooks.deliveries(hookId, q);
      },
      async resend(projectId, hookId, deliveryId) {
        own(await store.hooks.byId(hookId), projectId, 'Hook');
        const d = await store.hooks.delivery(deliveryId);
        if (!d || d.hookId !== hookId) throw notFound('404 Hook Log Not Found');
        await store.hooks.requeue(deliveryId, now());
      },
    },
    commitStatuses: {
      async post(input) {
        if (!/^[0-9a-f]{7,64}$/i.test(input.sha)) throw badRequest('sha is invalid');
        const at = now();
        const finished = ['success', 'failed', 'canceled', 'skipped'].includes(input.state);
        const name = text(input.name?.trim() || 'default', 'name', 255);
        const prior = (await store.commitStatuses.list(input.projectId, input.sha, { name })).find((s) => s.ref === (input.ref ?? null));
        return store.commitStatuses.upsert({
          projectId: input.projectId,
          sha: input.sha,
          ref: input.ref ?? null,
          name,
          status: input.state,
          targetUrl: input.targetUrl ? text(input.targetUrl, 'target_url', 2048) : null,
          description: input.description ? text(input.description, 'description') : null,
          coverage: input.coverage ?? null,
          pipelineId: input.pipelineId ?? null,
          authorName: input.authorName ?? null,
          startedAt: input.state === 'running' ? at : (prior?.startedAt ?? null),
          finishedAt: finished ? at : null,
          createdAt: at,
          updatedAt: at,
        });
      },
      list: (projectId, sha, q) => store.commitStatuses.list(projectId, sha, q),
    },
  };
}
