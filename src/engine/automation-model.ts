// Domain types of CI automation: pipeline trigger tokens, pipeline schedules, project webhooks
// with their delivery log, and external commit statuses. Plain data, ISO-8601 UTC timestamps.

export interface PipelineTrigger {
  id: number;
  projectId: number;
  description: string;
  /** The token's first 4 characters (GitLab shows them to everyone but the owner). */
  tokenPrefix: string;
  ownerName: string | null;
  createdAt: string;
  updatedAt: string;
  lastUsedAt: string | null;
}

export type ScheduleVariableType = 'env_var' | 'file';

export interface ScheduleVariable {
  key: string;
  value: string;
  variableType: ScheduleVariableType;
}

export interface PipelineSchedule {
  id: number;
  projectId: number;
  description: string;
  /** Branch or tag name (GitLab also accepts refs/heads/… and refs/tags/…). */
  ref: string;
  cron: string;
  /** IANA time zone name, e.g. "UTC", "Europe/Berlin". */
  cronTimezone: string;
  active: boolean;
  /** Next time the scheduler fires it; null when inactive. */
  nextRunAt: string | null;
  lastPipelineId: number | null;
  ownerName: string | null;
  createdAt: string;
  updatedAt: string;
  variables: ScheduleVariable[];
}

export interface ProjectHook {
  id: number;
  projectId: number;
  url: string;
  /** Sent as X-Gitlab-Token (stored encrypted, never shown by the API). */
  token: string | null;
  pushEvents: boolean;
  pipelineEvents: boolean;
  jobEvents: boolean;
  enableSslVerification: boolean;
  createdAt: string;
}

export type HookEvent = 'Pipeline Hook' | 'Job Hook' | 'Push Hook';
export type HookDeliveryStatus = 'queued' | 'delivered' | 'failed';

/** One event for one hook: queued until delivered (2xx) or out of attempts (failed). */
export interface HookDelivery {
  id: number;
  hookId: number;
  projectId: number;
  event: HookEvent;
  /** X-Gitlab-Event-UUID (the same on every attempt). */
  uuid: string;
  /** The JSON body. */
  payload: string;
  status: HookDeliveryStatus;
  attempts: number;
  nextAttemptAt: string;
  responseStatus: number | null;
  responseBody: string | null;
  durationMs: number | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export type CommitStatusState = 'pending' | 'running' | 'success' | 'failed' | 'canceled' | 'skipped';

/** A status posted by an external system for a commit (POST /projects/:id/statuses/:sha). */
export interface CommitStatus {
  id: number;
  projectId: number;
  sha: string;
  ref: string | null;
  name: string;
  status: CommitStatusState;
  targetUrl: string | null;
  description: string | null;
  coverage: number | null;
  pipelineId: number | null;
  authorName: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
}
