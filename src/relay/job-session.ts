// One upstream job and the environment launched for it.
//
// State machine (timestamps in `times`, each transition logged by relay.ts):
//   received ─► launching ─► waiting (environment up) ─► running (the inner runner took the job)
//      ─► over (the upstream has its final state: 200 to a final PUT, or 403/404/Job-Status
//         canceled|failed) ─► torn-down (environment stopped, removed from the state file)
//   Failure edges: launcher error, --launch-timeout, environment exit, job deadline, relay
//   shutdown → the relay fails the job upstream itself (fail-job.ts), then tears down.
import { hashToken, randomToken, tokenMatches } from '../util/tokens.js';
import type { Environment } from './launchers/types.js';

export type SessionState = 'received' | 'launching' | 'waiting' | 'running' | 'over' | 'torn-down';

export interface SessionTimes {
  receivedAt: number;
  launchStartedAt?: number;
  launchedAt?: number;
  pickedUpAt?: number;
  overAt?: number;
  tornDownAt?: number;
}

export interface FinalUpdate {
  /** The PUT body as the inner runner sent it. */
  body: string;
  state: string;
}

/** What a session needs of the job payload (a DecodedJob, or what the state file kept). */
export interface SessionJob {
  id: number;
  token: string;
  job_info?: { name?: string };
  runner_info?: { timeout?: number };
  dependencies?: { id: number; token: string }[];
}

export class JobSession {
  readonly jobId: number;
  readonly jobToken: string;
  readonly name: string;
  /** The 201 body from upstream, unchanged (or rewritten by --proxy-git/--proxy-artifacts). */
  payload: string | null;
  readonly oneTimeToken: string;
  readonly oneTimeHash: string;
  readonly deadline: number;
  state: SessionState = 'received';
  handedOut = false;
  times: SessionTimes;
  traceLength = 0;
  final: FinalUpdate | null = null;
  /** success | failed | canceled | aborted (by upstream) | the relay's failure reason. */
  outcome: string | null = null;
  env: Environment | null = null;
  /** The job's image:name and tags, for the launcher (RELAY_JOB_IMAGE, RELAY_JOB_TAGS). */
  image = '';
  tags: string[] = [];
  /** Job ids this session's tokens may touch: its own and its dependencies'. */
  readonly ids: Set<number>;
  readonly tokenHashes: Set<string>;
  /** The job's dependencies (artifact downloads may use their tokens). */
  readonly dependencies: { id: number; token: string }[];
  private resolveOver!: () => void;
  private resolvePickup!: () => void;
  /** Resolves when the inner runner has taken the job. */
  readonly pickedUp: Promise<void>;
  /** Resolves when the upstream knows the job's final state. */
  readonly over: Promise<void>;

  constructor(init: { job: SessionJob; payload: string | null; oneTimeToken?: string; receivedAt?: number; deadline?: number }) {
    const job = init.job;
    this.jobId = job.id;
    this.jobToken = job.token;
    this.name = job.job_info?.name ?? '';
    this.payload = init.payload;
    this.oneTimeToken = init.oneTimeToken ?? randomToken('glrt-relay-');
    this.oneTimeHash = hashToken(this.oneTimeToken);
    this.times = { receivedAt: init.receivedAt ?? Date.now() };
    const timeoutS = job.runner_info?.timeout || 7200;
    // the runner enforces the job timeout; the relay's own deadline is a safety net past it
    this.deadline = init.deadline ?? this.times.receivedAt + (timeoutS + 600) * 1000;
    this.ids = new Set([job.id, ...(job.dependencies ?? []).map((d) => d.id)]);
    this.tokenHashes = new Set([hashToken(job.token), ...(job.dependencies ?? []).filter((d) => d.token).map((d) => hashToken(d.token))]);
    this.dependencies = (job.dependencies ?? []).map((d) => ({ id: d.id, token: d.token }));
    this.over = new Promise((r) => (this.resolveOver = r));
    this.pickedUp = new Promise((r) => (this.resolvePickup = r));
  }

  markPickedUp(): void {
    this.handedOut = true;
    this.times.pickedUpAt ??= Date.now();
    if (this.state === 'received' || this.state === 'launching' || this.state === 'waiting') this.state = 'running';
    this.resolvePickup();
  }

  oneTimeMatches(token: string): boolean {
    return tokenMatches(token, this.oneTimeHash);
  }

  /** Is `token` this job's own token (trace, updates, uploads)? */
  ownsToken(token: string): boolean {
    return tokenMatches(token, hashToken(this.jobToken));
  }

  /** May a request carrying `token` read job `id` through this session (own job or a dependency)? */
  allows(id: number, token: string): boolean {
    if (!this.ids.has(id)) return false;
    for (const t of this.tokenHashes) if (tokenMatches(token, t)) return true;
    return false;
  }

  markOver(outcome: string): void {
    if (this.state === 'over' || this.state === 'torn-down') return;
    this.outcome ??= outcome;
    this.state = 'over';
    this.times.overAt = Date.now();
    this.resolveOver();
  }

  get isOver(): boolean {
    return this.state === 'over' || this.state === 'torn-down';
  }

  /** What `relay status` and /-/status show. */
  view(now = Date.now()) {
    return {
      jobId: this.jobId,
      name: this.name,
      state: this.state,
      outcome: this.outcome,
      environment: this.env?.describe() ?? null,
      ageSeconds: Math.round((now - this.times.receivedAt) / 1000),
      times: this.times,
    };
  }
}
