// Persistence ports of CI automation (triggers, schedules, webhooks and their deliveries, commit
// statuses). Part of StorePorts; implemented in store/sql/ for SQLite and PostgreSQL.
import type {
  CommitStatus,
  HookDelivery,
  HookEvent,
  PipelineSchedule,
  PipelineTrigger,
  ProjectHook,
  ScheduleVariable,
} from '../engine/model.js';

export interface TriggersPort {
  insert(t: Omit<PipelineTrigger, 'id' | 'lastUsedAt'> & { tokenHash: string }): Promise<PipelineTrigger>;
  byId(id: number): Promise<PipelineTrigger | null>;
  byTokenHash(hash: string): Promise<PipelineTrigger | null>;
  list(projectId: number): Promise<PipelineTrigger[]>;
  update(id: number, patch: { description?: string; updatedAt: string }): Promise<PipelineTrigger | null>;
  touch(id: number, at: string): Promise<void>;
  /** False when there was no such trigger. */
  delete(id: number): Promise<boolean>;
}

export type SchedulePatch = Partial<Pick<PipelineSchedule, 'description' | 'ref' | 'cron' | 'cronTimezone' | 'active' | 'nextRunAt' | 'ownerName'>> & { updatedAt: string };

export interface SchedulesPort {
  insert(s: Omit<PipelineSchedule, 'id' | 'variables' | 'lastPipelineId'>): Promise<PipelineSchedule>;
  byId(id: number): Promise<PipelineSchedule | null>;
  list(projectId: number, scope?: 'active' | 'inactive'): Promise<PipelineSchedule[]>;
  update(id: number, patch: SchedulePatch): Promise<PipelineSchedule | null>;
  delete(id: number): Promise<boolean>;
  /** Adds or replaces the variable `key`; false when the schedule does not exist. */
  setVariable(scheduleId: number, v: ScheduleVariable): Promise<boolean>;
  deleteVariable(scheduleId: number, key: string): Promise<boolean>;
  /** Active schedules with next_run_at <= `now`, oldest first. */
  due(now: string, limit: number): Promise<PipelineSchedule[]>;
  /**
   * Fire-once across nodes: moves next_run_at from `expected` to `next` (one conditional UPDATE);
   * true for exactly one caller per expected value.
   */
  claimRun(id: number, expected: string, next: string): Promise<boolean>;
  /** Records a pipeline the schedule created: it becomes the last pipeline and one of its runs. */
  setLastPipeline(id: number, pipelineId: number): Promise<void>;
  /** Ids of the pipelines the schedule created, newest first, and how many there are. */
  pipelineIds(id: number, page: { offset: number; limit: number }): Promise<{ total: number; ids: number[] }>;
}

export interface NewHookDelivery {
  hookId: number;
  projectId: number;
  event: HookEvent;
  uuid: string;
  payload: string;
  createdAt: string;
}

export interface DeliveryResult {
  status: 'queued' | 'delivered' | 'failed';
  responseStatus: number | null;
  responseBody: string | null;
  durationMs: number;
  error: string | null;
  /** When queued again: the next attempt. */
  nextAttemptAt?: string;
  finishedAt: string | null;
}

export type HookPatch = Partial<Pick<ProjectHook, 'url' | 'token' | 'pushEvents' | 'tagPushEvents' | 'pipelineEvents' | 'jobEvents' | 'enableSslVerification'>>;

export interface HooksPort {
  insert(h: Omit<ProjectHook, 'id'>): Promise<ProjectHook>;
  byId(id: number): Promise<ProjectHook | null>;
  list(projectId: number): Promise<ProjectHook[]>;
  update(id: number, patch: HookPatch): Promise<ProjectHook | null>;
  /** Deletes the hook and its deliveries; false when there was none. */
  delete(id: number): Promise<boolean>;
  enqueue(deliveries: NewHookDelivery[]): Promise<void>;
  /**
   * Takes up to `limit` queued deliveries due at `now` that no node holds, and holds them until
   * `leaseUntil` (attempts + 1). One conditional UPDATE: a delivery is taken by one node at a time.
   */
  claimDue(now: string, leaseUntil: string, limit: number): Promise<HookDelivery[]>;
  /** Records an attempt's outcome and releases the lease. */
  finishAttempt(id: number, result: DeliveryResult): Promise<void>;
  delivery(id: number): Promise<HookDelivery | null>;
  /** The hook's deliveries, newest first. */
  deliveries(hookId: number, q: { limit: number; beforeId?: number; status?: HookDelivery['status'] }): Promise<HookDelivery[]>;
  /** Puts a finished delivery back in the queue (resend). */
  requeue(id: number, at: string): Promise<boolean>;
}

export interface CommitStatusesPort {
  /** Creates or updates the status named `name` of (project, sha, ref). */
  upsert(s: Omit<CommitStatus, 'id' | 'createdAt'> & { createdAt: string }): Promise<CommitStatus>;
  /** Statuses of a commit, oldest first; `ref` and `name` narrow. */
  list(projectId: number, sha: string, q?: { ref?: string; name?: string }): Promise<CommitStatus[]>;
}
