// Persistence ports, one small interface per aggregate. The engine and queue code against these;
// store/sql/ implements them once over kysely for SQLite and PostgreSQL (dialect differences are
// a few flags). Writes that must be atomic together run inside `store.transaction`.
import type {
  ApiToken,
  Artifact,
  CiVariable,
  Job,
  JobEdge,
  JobTestSummary,
  StoredTestCase,
  TestCase,
  JobStatus,
  Pipeline,
  PipelineVariable,
  Project,
  ProtectedRef,
  ProtectedRefKind,
  Runner,
  RunnerManager,
  TokenScope,
  User,
} from '../engine/model.js';
import type { CommitStatusesPort, HooksPort, SchedulesPort, TriggersPort } from './automation-ports.js';

export interface ProjectsPort {
  insert(input: { path: string; name: string; defaultBranch: string; createdAt: string }): Promise<Project>;
  byId(id: number): Promise<Project | null>;
  byPath(path: string): Promise<Project | null>;
  list(): Promise<Project[]>;
  /** Next per-project pipeline iid (atomic increment). */
  nextPipelineIid(projectId: number): Promise<number>;
}

export type NewPipeline = Omit<Pipeline, 'id'>;

export interface PipelineQuery {
  projectId?: number;
  status?: string;
  ref?: string;
  limit?: number;
  beforeId?: number;
}

export interface PipelinesPort {
  insert(p: NewPipeline): Promise<Pipeline>;
  byId(id: number): Promise<Pipeline | null>;
  /** Reads and row-locks the pipeline for the rest of the transaction (PostgreSQL FOR UPDATE). */
  lock(id: number): Promise<Pipeline | null>;
  update(id: number, patch: Partial<Pick<Pipeline, 'status' | 'startedAt' | 'finishedAt'>>): Promise<void>;
  list(q: PipelineQuery): Promise<Pipeline[]>;
  /** `workflow:auto_cancel:on_job_failure: all` of the pipeline's plan. */
  setAutoCancelOnFailure(id: number, on: boolean): Promise<void>;
  autoCancelOnFailure(id: number): Promise<boolean>;
  /** Unfinished pipelines of a project on a ref, older than `beforeId`. */
  activeOnRef(projectId: number, ref: string, beforeId: number): Promise<Pipeline[]>;
  /** Direct child pipelines of `parentId` (trigger: include), oldest first; `name` narrows to one name. */
  children(parentId: number, filter?: { name?: string }): Promise<Pipeline[]>;
  /** The pipeline `id` and its ancestors up the parent chain, nearest first, ending with the root ([] if unknown). */
  ancestors(id: number): Promise<Pipeline[]>;
  /** Number of pipelines in the tree below `rootId`, the root included (0 if unknown). */
  hierarchySize(rootId: number): Promise<number>;
}

/** Columns of a job used by scheduling (no JSON parsing). */
export interface JobLite {
  id: number;
  pipelineId: number;
  name: string;
  stageIndex: number;
  status: JobStatus;
  when: string;
  allowFailure: boolean;
  stageOrdered: boolean;
  retried: boolean;
  resourceGroup: string | null;
}

export type NewJob = Omit<Job, 'id'>;
export type JobPatch = Partial<
  Pick<
    Job,
    | 'status'
    | 'runnerId'
    | 'systemId'
    | 'failureReason'
    | 'exitCode'
    | 'playVariables'
    | 'queuedAt'
    | 'startedAt'
    | 'finishedAt'
    | 'scheduledAt'
    | 'lastActivityAt'
    | 'traceSize'
    | 'deadlineAt'
    | 'timeout'
    | 'retried'
  >
> & { tokenHash?: string | null; /** Effective allow_failure (exit_codes decide at finish). */ allowFailure?: boolean };

export interface JobsPort {
  insertMany(jobs: NewJob[]): Promise<Job[]>;
  byId(id: number): Promise<Job | null>;
  byIds(ids: number[]): Promise<Job[]>;
  byPipeline(pipelineId: number): Promise<Job[]>;
  lite(pipelineId: number): Promise<JobLite[]>;
  liteByIds(ids: number[]): Promise<JobLite[]>;
  /** Current (non-retried) jobs of a pipeline matching every given filter. */
  liteWhere(pipelineId: number, filter: { beforeStage?: number; names?: string[]; stages?: number[]; status?: JobStatus; stageOrdered?: boolean }): Promise<JobLite[]>;
  /** `created`, non-retried jobs that wait for one of `jobIds` through an explicit edge. */
  createdDependants(jobIds: number[]): Promise<JobLite[]>;
  /** For each of `jobIds`, the jobs it needs (explicit edges), as lites. */
  needsLites(jobIds: number[]): Promise<{ jobId: number; need: JobLite }[]>;
  /** Counts of current (non-retried) jobs per stage, status and allow_failure. */
  summary(pipelineId: number): Promise<{ stageIndex: number; status: JobStatus; allowFailure: boolean; count: number }[]>;
  /** Jobs per status over every pipeline (retried ones included), for /metrics: one index scan. */
  countByStatus(): Promise<{ status: JobStatus; count: number }[]>;
  byTokenHash(hash: string): Promise<Job | null>;
  /** A page of the jobs a runner took (retried ones included), by id (`desc`: newest first), and their number. */
  byRunner(runnerId: number, q: { statuses?: readonly JobStatus[]; offset: number; limit: number; desc: boolean }): Promise<{ total: number; jobs: Job[] }>;
  /** Conditional update: only when the current status is one of `from`; returns the new row or null. */
  transition(id: number, from: readonly JobStatus[], patch: JobPatch): Promise<Job | null>;
  /** `transition` for many jobs at once; returns the rows that changed. */
  transitionMany(ids: number[], from: readonly JobStatus[], patch: JobPatch): Promise<Job[]>;
  update(id: number, patch: JobPatch): Promise<void>;
  /** Only the job's current status (null when it is gone): the cheap read of the runner's hot paths. */
  status(id: number): Promise<JobStatus | null>;
  /** The job's status and last recorded activity (null when it is gone). */
  activity(id: number): Promise<{ status: JobStatus; lastActivityAt: string | null } | null>;
  /**
   * Writes `patch` only when the job's status is one of `from`, in one statement; returns that
   * status, or null when the job is gone or in another status (nothing written then).
   */
  touch(id: number, from: readonly JobStatus[], patch: JobPatch): Promise<JobStatus | null>;
  /** Jobs in `status` with `column` <= `before` (for sweeps), oldest first. */
  due(status: JobStatus, column: 'scheduledAt' | 'deadlineAt' | 'lastActivityAt' | 'queuedAt', before: string, limit: number): Promise<Job[]>;
  /** Jobs waiting for a resource group, in id order. */
  waitingForResource(projectId: number, group: string): Promise<Job[]>;
  /** Running trigger (bridge) jobs of every pipeline, oldest first (they run without a runner). */
  runningTriggers(): Promise<Job[]>;
}

export interface EdgesPort {
  insertMany(edges: JobEdge[]): Promise<void>;
  /** Jobs that wait for `jobId` via an explicit edge. */
  dependants(jobId: number): Promise<number[]>;
  needsOf(jobId: number): Promise<JobEdge[]>;
  dependantsOfMany(jobIds: number[]): Promise<JobEdge[]>;
  needsOfMany(jobIds: number[]): Promise<JobEdge[]>;
  byPipeline(pipelineId: number): Promise<JobEdge[]>;
  /** Re-point edges from an old attempt to its new attempt. */
  repoint(oldJobId: number, newJobId: number): Promise<void>;
}

/** Required runner features as a bit mask (pending_jobs.features). */
export const FEATURE_BITS = {
  upload_multiple_artifacts: 1,
  return_exit_code: 2,
  fallback_cache_keys: 4,
  artifacts_exclude: 8,
  multi_build_steps: 16,
} as const;
export type FeatureName = keyof typeof FEATURE_BITS;

export interface PendingEntry {
  jobId: number;
  projectId: number;
  protected: boolean;
  tags: string[];
  features: number;
}

export interface RunnerMatch {
  runnerId: number;
  tags: string[];
  runUntagged: boolean;
  /** Null = instance runner (any project). */
  projectId: number | null;
  /** ref_protected runners only take protected refs. */
  protectedOnly: boolean;
  /** Bit mask of the features the runner announced. */
  features: number;
}

export interface ClaimAssign {
  runnerId: number;
  systemId: string | null;
  tokenHash: string;
  startedAt: string;
  /** Cap for the job timeout (runner maximum_timeout). */
  maximumTimeout: number | null;
  defaultTimeout: number;
  /** The request behind the claim: once aborted, a claim that has not started yet takes nothing. */
  signal?: AbortSignal;
}

export interface QueuePort {
  enqueue(entry: PendingEntry): Promise<void>;
  enqueueMany(entries: PendingEntry[]): Promise<void>;
  dequeue(jobId: number): Promise<void>;
  /**
   * One atomic claim: the oldest pending job the runner may take becomes `running` (timeout capped,
   * deadline_at = startedAt + timeout), or null. Concurrent claims may share one statement
   * (PostgreSQL), each still getting its own job.
   */
  claim(match: RunnerMatch, assign: ClaimAssign): Promise<Job | null>;
  /** Pending entries (for stuck checks and waking), oldest first. */
  list(limit: number): Promise<PendingEntry[]>;
  /** Number of pending entries (queue depth, for /metrics). */
  count(): Promise<number>;
}

export interface RunnersPort {
  insert(r: Omit<Runner, 'id'> & { tokenHash: string }): Promise<Runner>;
  byId(id: number): Promise<Runner | null>;
  byTokenHash(hash: string): Promise<Runner | null>;
  list(): Promise<Runner[]>;
  update(id: number, patch: Partial<Omit<Runner, 'id' | 'createdAt'>> & { tokenHash?: string }): Promise<Runner | null>;
  delete(id: number): Promise<void>;
  upsertManager(m: RunnerManager): Promise<void>;
  managers(runnerId?: number): Promise<RunnerManager[]>;
  deleteManager(runnerId: number, systemId: string): Promise<boolean>;
}

export interface NewApiToken {
  name: string;
  scope: ApiToken['scope'];
  tokenHash: string;
  createdAt: string;
  userId?: number | null;
  /** Default `["api"]`. */
  scopes?: TokenScope[];
  projectId?: number | null;
  accessLevel?: number | null;
  expiresAt?: string | null;
}

export interface ApiTokenFilter {
  userId?: number;
  /** A number: that project's access tokens; null: personal tokens only. */
  projectId?: number | null;
}

export interface TokensPort {
  getSetting(key: string): Promise<string | null>;
  setSetting(key: string, value: string): Promise<void>;
  insertApiToken(t: NewApiToken): Promise<ApiToken>;
  /** The token with that hash, revoked or expired ones included (the engine decides). */
  apiTokenByHash(hash: string): Promise<ApiToken | null>;
  apiTokenById(id: number): Promise<ApiToken | null>;
  /** Tokens matching every filter field, oldest first. */
  listApiTokens(filter: ApiTokenFilter): Promise<ApiToken[]>;
  /** Marks the token revoked; false when there is no such token or it was revoked already. */
  revokeApiToken(id: number): Promise<boolean>;
  hasApiToken(scope: ApiToken['scope']): Promise<boolean>;
}

export interface UserQuery {
  username?: string;
  /** Case-insensitive match on username, name or email. */
  search?: string;
  bots?: boolean;
}

export interface UsersPort {
  /** Null when the username is taken. */
  insert(u: Omit<User, 'id'>): Promise<User | null>;
  byId(id: number): Promise<User | null>;
  byUsername(username: string): Promise<User | null>;
  /** Users matching `q`, by id. */
  list(q: UserQuery): Promise<User[]>;
  /** The first administrator (root). */
  firstAdmin(): Promise<User | null>;
}

export interface VariablesPort {
  insert(v: Omit<CiVariable, 'id'>): Promise<CiVariable>;
  /** Replaces the variable with the same key, scope (project or instance) and environment scope. */
  upsert(v: Omit<CiVariable, 'id'>): Promise<CiVariable>;
  delete(id: number): Promise<void>;
  list(projectId: number | null): Promise<CiVariable[]>;
}

export interface JobOutputs {
  artifacts: boolean;
  dotenv: boolean;
  removedArchive: boolean;
}

export interface ArtifactsPort {
  insert(a: Omit<Artifact, 'id'>): Promise<Artifact>;
  byJob(jobId: number): Promise<Artifact[]>;
  byJobs(jobIds: number[]): Promise<Artifact[]>;
  /** Clears the expiry of the job's artifacts (GitLab's "Keep"); returns them. */
  keep(jobId: number): Promise<Artifact[]>;
  /**
   * Artifacts expired by `before` that may go: their pipeline is finished and unlocked, i.e. a
   * newer pipeline on the same ref succeeded (GitLab keeps the latest successful pipeline's
   * artifacts per ref and never expires a running pipeline's). At most `limit`.
   */
  expired(before: string, limit: number): Promise<Artifact[]>;
  /** Deletes expired artifacts' records, remembering which job lost which file type. */
  removeExpired(ids: number[], at: string): Promise<void>;
  /** Jobs among `jobIds` whose archive artifact was removed by expiry. */
  removedArchives(jobIds: number[]): Promise<Set<number>>;
  /**
   * What each of `jobIds` left, in one query: artifact records, dotenv variables, an archive that
   * expiry removed. Jobs with none of them are left out (the common case at pick-up: nothing more to read).
   */
  outputs(jobIds: number[]): Promise<Map<number, JobOutputs>>;
  setDotenv(jobId: number, vars: PipelineVariable[]): Promise<void>;
  dotenv(jobIds: number[]): Promise<Map<number, PipelineVariable[]>>;
}

export interface ProtectedRefsPort {
  /** Adds a rule; null when the project already has a rule of that kind with that name. */
  insert(r: Omit<ProtectedRef, 'id'>): Promise<ProtectedRef | null>;
  /** Removes the rule; false when there was none. */
  delete(projectId: number, kind: ProtectedRefKind, name: string): Promise<boolean>;
  /** The project's rules (branches and tags), oldest first. */
  list(projectId: number): Promise<ProtectedRef[]>;
}

export type ProcessMode = 'unordered' | 'oldest_first' | 'newest_first';

export interface ResourceGroupsPort {
  /** Atomically takes the group for `jobId`; true when it is now (or already was) held by that job. */
  acquire(projectId: number, key: string, jobId: number): Promise<boolean>;
  /** Frees the group if `jobId` holds it. */
  release(projectId: number, key: string, jobId: number): Promise<void>;
  mode(projectId: number, key: string): Promise<ProcessMode>;
  setMode(projectId: number, key: string, mode: ProcessMode): Promise<void>;
}

/** Parsed junit reports, per job (replaced when the job uploads a report again). */
export interface TestReportsPort {
  /** Drops what the job stored before (a new upload replaces it). */
  clear(jobId: number): Promise<void>;
  /** Appends cases in upload order (`position` continues from `first`). */
  insertCases(jobId: number, first: number, cases: TestCase[]): Promise<void>;
  /** Writes the job's counts (upsert). */
  setSummary(s: JobTestSummary): Promise<void>;
  summaries(pipelineId: number): Promise<JobTestSummary[]>;
  /** Cases of these jobs, in job then upload order; at most `limit` per call (default all). */
  cases(jobIds: number[], opts?: { limit?: number }): Promise<StoredTestCase[]>;
}

/** Removing what a user deletes: whole pipelines, a job's artifacts and log (erase), expiry. */
export interface RetentionPort {
  /**
   * Deletes the pipelines and everything of their jobs (edges, queue entries, artifacts records,
   * dotenv, test reports); returns the deleted job ids and artifact blob keys (for the caller to
   * remove the blobs and traces).
   */
  deletePipelines(pipelineIds: number[]): Promise<{ jobIds: number[]; storageKeys: string[] }>;
  /** Deletes a job's artifacts records and test report and marks it erased; returns the blob keys. */
  eraseJob(jobId: number, at: string): Promise<{ storageKeys: string[] }>;
  /** When each of these jobs was erased (absent: never). */
  erasedAt(jobIds: number[]): Promise<Map<number, string>>;
}

/** GitLab's pipeline list filters (GET /projects/:id/pipelines). */
export interface PipelineSearch {
  projectId: number;
  statuses?: string[];
  ref?: string;
  sha?: string;
  source?: string;
  /** true: tag pipelines only; false: branch pipelines only. */
  tag?: boolean;
  /** On GitLab's updated_at: the latest of created/started/finished. */
  updatedAfter?: string;
  updatedBefore?: string;
  /** The pipeline's user (GITLAB_USER_LOGIN). */
  username?: string;
  orderBy?: 'id' | 'status' | 'ref' | 'updated_at' | 'user_id';
  sort?: 'asc' | 'desc';
  /** Keyset: ids beyond this one in the sort direction (order by id only). */
  afterId?: number;
}

/** Jobs of a project or a pipeline (GET …/jobs with scope[]). */
export interface JobSearch {
  projectId?: number;
  pipelineId?: number;
  statuses?: string[];
  includeRetried?: boolean;
  /** Trigger jobs (bridges) only, or none of them; both when absent. */
  bridges?: boolean;
  /** Newest first (GitLab's order) unless asc. */
  sort?: 'asc' | 'desc';
  afterId?: number;
}

/** Filtered, paginated lists for the REST API (one index range each; counts capped, as GitLab). */
export interface SearchPort {
  pipelines(q: PipelineSearch, page: { offset: number; limit: number }): Promise<Pipeline[]>;
  /** Matching pipelines, counted up to `cap` (GitLab omits X-Total over 10,000). */
  countPipelines(q: PipelineSearch, cap: number): Promise<number>;
  jobs(q: JobSearch, page: { offset: number; limit: number }): Promise<Job[]>;
  countJobs(q: JobSearch, cap: number): Promise<number>;
}

export interface StorePorts {
  projects: ProjectsPort;
  pipelines: PipelinesPort;
  jobs: JobsPort;
  edges: EdgesPort;
  queue: QueuePort;
  runners: RunnersPort;
  tokens: TokensPort;
  users: UsersPort;
  variables: VariablesPort;
  artifacts: ArtifactsPort;
  resourceGroups: ResourceGroupsPort;
  protectedRefs: ProtectedRefsPort;
  testReports: TestReportsPort;
  retention: RetentionPort;
  search: SearchPort;
  triggers: TriggersPort;
  schedules: SchedulesPort;
  hooks: HooksPort;
  commitStatuses: CommitStatusesPort;
}

/** Cross-node signal that jobs became pending (PostgreSQL NOTIFY; in-process on SQLite). */
export interface PendingSignal {
  publish(entries: PendingEntry[]): Promise<void>;
  /**
   * Listener gets entries published by any node (this node's synchronously), or 'refresh' when
   * the entries are unknown (payload too big, reconnect): re-read the pending table. Returns unsubscribe.
   */
  subscribe(listener: (entries: PendingEntry[] | 'refresh') => void): () => void;
}

export interface Store extends StorePorts {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs `fn` in one transaction (serialised per pipeline via `pipelines.lock`). */
  transaction<T>(fn: (tx: StorePorts) => Promise<T>): Promise<T>;
  readonly pendingSignal: PendingSignal;
  close(): Promise<void>;
}

