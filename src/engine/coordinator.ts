// The engine's facade: every use case the HTTP edges (runner-api/, api/, git/) and the CLI call.
// Implemented by engine/create-coordinator.ts over the store and queue ports. The edges never
// talk to the store for writes; reads for the UI go through the `read` part.
//
// Tokens: every token is random (util/tokens.ts), stored only as a SHA-256 hash and compared in
// constant time. A method that creates a token returns the plaintext exactly once.
import type { PipelinePlan } from '../ci/plan.js';
import type {
  ApiToken,
  CommitInfo,
  Artifact,
  CiVariable,
  FailureReason,
  Job,
  JobEdge,
  Pipeline,
  PipelineConfigError,
  PipelineVariable,
  Project,
  ProtectedRef,
  ProtectedRefKind,
  Runner,
  RunnerAccessLevel,
  RunnerManager,
  User,
} from './model.js';
import type { UserQuery, ApiTokenFilter } from '../store/ports.js';


export interface CreateUserInput {
  username: string;
  name?: string;
  email?: string;
  isAdmin?: boolean;
  bot?: boolean;
}

export interface CreateAccessTokenInput {
  userId: number;
  name: string;
  scopes: readonly string[];
  /** YYYY-MM-DD (UTC); null or absent: never. */
  expiresAt?: string | null;
  projectId?: number | null;
  accessLevel?: number | null;
}

export interface AuthenticatedUser {
  user: User;
  apiToken: ApiToken;
}

export interface RunnerInfoInput {
  systemId?: string;
  name?: string;
  version?: string;
  revision?: string;
  platform?: string;
  architecture?: string;
  executor?: string;
  shell?: string;
  features?: Record<string, boolean | undefined>;
}

export interface RegisterRunnerInput {
  registrationToken: string;
  description?: string;
  tags?: string[];
  runUntagged?: boolean;
  locked?: boolean;
  paused?: boolean;
  accessLevel?: RunnerAccessLevel;
  maximumTimeout?: number | null;
  info?: RunnerInfoInput;
}

export interface CreateRunnerInput {
  description?: string;
  tags?: string[];
  runUntagged?: boolean;
  locked?: boolean;
  paused?: boolean;
  accessLevel?: RunnerAccessLevel;
  maximumTimeout?: number | null;
  projectId?: number | null;
}

export interface IssuedRunnerToken {
  runner: Runner;
  token: string;
  tokenExpiresAt: string | null;
}

/** Everything needed to build the runner's job payload, returned by a successful claim. */
export interface ClaimedJob {
  job: Job;
  pipeline: Pipeline;
  project: Project;
  runner: Runner;
  /** Plaintext job token, generated at claim time (only its hash is stored). */
  token: string;
  /** Jobs whose artifacts this job downloads (dependencies / needs with artifacts). */
  dependencies: { job: Job; archive: Artifact | null }[];
  /** dotenv report variables of the dependencies, in dependency order. */
  dotenvVariables: PipelineVariable[];
  /** Instance then project CI/CD variables that apply (protected ones only on protected refs). */
  ciVariables: CiVariable[];
  /** Seconds in the queue. */
  queuedSeconds: number;
}

export type RequestJobResult =
  | { kind: 'job'; claimed: ClaimedJob }
  | { kind: 'none'; lastUpdate: string };

export interface RequestJobInput {
  runner: Runner;
  info?: RunnerInfoInput;
  lastUpdate?: string;
  /** How long to hold the request when nothing is pending (ms); 0 = answer at once. */
  holdMs: number;
  signal: AbortSignal;
}

/** What the runner is told on PUT/PATCH: the job status for the `Job-Status` header. */
export interface JobSignal {
  /** "running", "canceling", "canceled", "failed", "success"… */
  jobStatus: string;
  /** True when the runner must stop (job no longer running): answer 403. */
  abort: boolean;
}

export interface UpdateJobInput {
  state: 'pending' | 'running' | 'success' | 'failed';
  failureReason?: FailureReason;
  exitCode?: number;
  checksum?: string;
  bytesize?: number;
}

export type UpdateJobResult =
  | ({ kind: 'ok' } & JobSignal)
  /** Trace checksum/size did not match what is stored: answer 412 so the runner resends. */
  | ({ kind: 'trace_mismatch' } & JobSignal)
  | ({ kind: 'not_running' } & JobSignal);

export type AppendTraceResult =
  | ({ kind: 'appended'; length: number } & JobSignal)
  | ({ kind: 'range_mismatch'; length: number } & JobSignal)
  | ({ kind: 'not_running' } & JobSignal)
  | ({ kind: 'limit_exceeded' } & JobSignal);

export interface CreatePipelineInput {
  projectId: number;
  ref: string;
  isTag: boolean;
  sha: string;
  beforeSha?: string;
  source: string;
  commitMessage?: string;
  commit?: CommitInfo | null;
  variables?: PipelineVariable[];
  plan: PipelinePlan;
  parentPipelineId?: number | null;
  /**
   * The trigger job (of `parentPipelineId`) that creates this child: it must still be running, and
   * the creation is idempotent (a child of that parent with the plan's name already there is
   * returned). Any child pipeline is subject to the limits of downstream-limits.ts (DownstreamRefused).
   */
  parentJobId?: number;
  /**
   * Runs inside the creating transaction, after the pipeline row exists and before any job can
   * be claimed: e.g. creating refs/pipelines/<id>, which the runner fetches.
   */
  beforeCommit?: (pipelineId: number) => Promise<void>;
}

/** A pipeline that failed on its configuration (GitLab: status failed, config_error, yaml_errors). */
export type CreateFailedPipelineInput = Omit<CreatePipelineInput, 'plan' | 'parentPipelineId' | 'parentJobId' | 'beforeCommit'> & {
  errors: PipelineConfigError[];
};

export interface PipelineDetail {
  pipeline: Pipeline;
  project: Project;
  jobs: Job[];
  edges: JobEdge[];
}

export interface ListPipelinesQuery {
  projectId?: number;
  status?: string;
  ref?: string;
  limit?: number;
  beforeId?: number;
}

/** Events for live views (UI, CLI progress). */
export type CoordinatorEvent =
  | { type: 'pipeline'; pipeline: Pipeline }
  | { type: 'job'; job: Job }
  | { type: 'trace'; jobId: number; length: number };

export interface Coordinator {
  // --- runners (runner-api/ and admin) ---
  registerRunner(input: RegisterRunnerInput): Promise<IssuedRunnerToken>;
  createRunner(input: CreateRunnerInput): Promise<IssuedRunnerToken>;
  /** Null when the token is unknown (answer 403). Cached: no database query on the hot path. */
  authenticateRunner(token: string): Promise<Runner | null>;
  recordRunnerContact(runner: Runner, info: RunnerInfoInput | undefined): Promise<void>;
  unregisterRunner(runner: Runner): Promise<void>;
  /** False when that system_id is unknown (answer 404). */
  unregisterRunnerManager(runner: Runner, systemId: string): Promise<boolean>;
  resetRunnerToken(runner: Runner): Promise<IssuedRunnerToken>;
  updateRunner(id: number, patch: Partial<Pick<Runner, 'paused' | 'description' | 'tags' | 'runUntagged' | 'locked' | 'maximumTimeout' | 'accessLevel'>>): Promise<Runner>;
  deleteRunner(id: number): Promise<void>;
  /**
   * Creates a new instance registration token (stored hashed) and returns it once. `value` sets an
   * operator-chosen token instead (e.g. GCD_REGISTRATION_TOKEN for compose).
   */
  resetRegistrationToken(value?: string): Promise<string>;
  hasRegistrationToken(): Promise<boolean>;

  // --- API tokens (UI, CLI, git push) ---
  /** Creates a token (stored hashed) and returns the plaintext once. */
  createApiToken(name: string, scope: ApiToken['scope']): Promise<{ token: string; apiToken: ApiToken }>;
  authenticateApiToken(token: string): Promise<ApiToken | null>;
  /** True once any admin token exists (serve creates the first one at first start). */
  hasAdminToken(): Promise<boolean>;

  // --- users and GitLab access tokens (rest/, cli/); see use-cases/users.ts ---
  /** The user and token behind a token (admin, personal or project); null if unknown, revoked or expired. */
  authenticateUser(token: string): Promise<AuthenticatedUser | null>;
  /** The running (or canceling) job a CI_JOB_TOKEN belongs to; null otherwise. */
  jobForToken(token: string): Promise<Job | null>;
  /** Conflict when the username is taken. */
  createUser(input: CreateUserInput): Promise<User>;
  /** A personal access token of `userId` (or, with `projectId`, reaching that project only); plaintext once. */
  createAccessToken(input: CreateAccessTokenInput): Promise<{ token: string; apiToken: ApiToken }>;
  /** A project access token and its bot user (GitLab's project_<id>_bot_*). */
  createProjectAccessToken(input: { projectId: number; name: string; scopes: readonly string[]; accessLevel?: number; expiresAt?: string | null }): Promise<{ token: string; apiToken: ApiToken; user: User }>;
  /** Revokes a token; not found when there is none (or it is revoked already). */
  revokeAccessToken(id: number): Promise<void>;

  // --- jobs for runners ---
  requestJob(input: RequestJobInput): Promise<RequestJobResult>;
  /**
   * Puts a claimed job back in the queue when its runner cannot have received it (the request
   * closed before the answer was written). Null if the job moved on since the claim.
   */
  releaseJob(claimed: Job): Promise<Job | null>;
  /** Job by id and its plaintext token; null if the id is unknown or the token does not match. */
  authenticateJob(jobId: number, token: string): Promise<Job | null>;
  /**
   * A job token that may read `targetJobId`'s artifacts: the token of a running (or canceling) job
   * that is `targetJobId` itself or depends on it. A finished job's token reads nothing.
   */
  mayReadArtifacts(token: string, targetJobId: number): Promise<boolean>;
  /** A job token that may clone `projectId` (any running job of that project). */
  mayFetchSource(token: string, projectId: number): Promise<boolean>;
  updateJob(job: Job, input: UpdateJobInput): Promise<UpdateJobResult>;
  appendTrace(job: Job, offset: number, data: Buffer): Promise<AppendTraceResult>;
  /** Records an uploaded artifact (the blob is already stored). */
  addArtifact(input: Omit<Artifact, 'id' | 'createdAt'>): Promise<Artifact>;

  // --- pipelines and actions (api/, cli/, git/) ---
  /** The project at `path`; a new one gets a protected-branch rule for `defaultBranch` (default `main`). */
  ensureProject(path: string, defaultBranch?: string): Promise<Project>;
  createPipeline(input: CreatePipelineInput): Promise<PipelineDetail>;
  /** Records a pipeline that failed on its configuration: no jobs, failed at once. */
  createFailedPipeline(input: CreateFailedPipelineInput): Promise<Pipeline>;
  cancelPipeline(pipelineId: number): Promise<void>;
  retryPipeline(pipelineId: number): Promise<void>;
  cancelJob(jobId: number): Promise<void>;
  /** Returns the new attempt. */
  retryJob(jobId: number): Promise<Job>;
  playJob(jobId: number, variables?: PipelineVariable[]): Promise<Job>;
  setVariable(input: Omit<CiVariable, 'id'>): Promise<CiVariable>;
  deleteVariable(id: number): Promise<void>;
  /**
   * Adds a protected branch or tag rule (exact name or `*` pattern); pipelines created afterwards
   * follow it. Conflict when the project has that rule already, bad request for a bad name.
   */
  protectRef(input: { projectId: number; kind: ProtectedRefKind; name: string }): Promise<ProtectedRef>;
  /** Removes a rule (by its exact name); not found when there is none. */
  unprotectRef(input: { projectId: number; kind: ProtectedRefKind; name: string }): Promise<void>;

  // --- reads (api/, cli/) ---
  read: {
    project(id: number): Promise<Project | null>;
    projectByPath(path: string): Promise<Project | null>;
    projects(): Promise<Project[]>;
    pipeline(id: number): Promise<PipelineDetail | null>;
    pipelines(query: ListPipelinesQuery): Promise<Pipeline[]>;
    /** Every direct child pipeline of `parentId` (trigger: include), oldest first; `name` narrows. */
    childPipelines(parentId: number, name?: string): Promise<Pipeline[]>;
    /** Every running trigger (bridge) job, oldest first. */
    runningTriggerJobs(): Promise<Job[]>;
    /** The pipeline and its ancestors up to the root, nearest first. */
    pipelineAncestors(id: number): Promise<Pipeline[]>;
    job(id: number): Promise<Job | null>;
    artifacts(jobId: number): Promise<Artifact[]>;
    runners(): Promise<{ runner: Runner; managers: RunnerManager[] }[]>;
    variables(projectId: number | null): Promise<CiVariable[]>;
    /** The project's protected branch and tag rules, oldest first. */
    protectedRefs(projectId: number): Promise<ProtectedRef[]>;
    user(id: number): Promise<User | null>;
    users(query: UserQuery): Promise<User[]>;
    accessToken(id: number): Promise<ApiToken | null>;
    /** Tokens (revoked and expired ones included), oldest first. */
    accessTokens(filter: ApiTokenFilter): Promise<ApiToken[]>;
  };

  /** Subscribe to live changes; returns an unsubscribe function. */
  subscribe(listener: (event: CoordinatorEvent) => void): () => void;
  /** Mark a job's live log as watched (shorter trace update interval for a while). */
  watchTrace(jobId: number): void;
  traceUpdateInterval(jobId: number): number;

  /** Starts the sweepers (delayed jobs, timeouts, stale jobs, artifact expiry). */
  start(): void;
  close(): Promise<void>;
}
