// Launchers start one environment (a process, a container, a VM) per job whose runner polls the
// relay with RELAY_TOKEN. An Environment can be stopped, watched for its end, and described in
// the state file so that a restarted relay finds it again (adopt) or removes it.

export interface LaunchContext {
  jobId: number;
  jobName: string;
  /** RELAY_URL: the relay's base URL, without /api/v4. */
  relayUrl: string;
  /** RELAY_TOKEN: one-time runner token, valid for this job only. */
  token: string;
  /** The job's image:name, '' when none. */
  image: string;
  tags: string[];
  /** A directory for this job's files (builds, config), removed at teardown. */
  jobDir: string;
  /** Where a process environment writes its output (the tail is logged when the job fails). */
  logFile: string;
}

/** JSON-safe description kept in the state file. */
export type EnvironmentRef =
  | { kind: 'process'; pid: number; startTime: string | null }
  | { kind: 'docker'; containerId: string };

export interface Environment {
  readonly ref: EnvironmentRef;
  /** Resolves (never rejects) when the environment has ended, with a short reason. */
  readonly exited: Promise<string>;
  /** Stops it: a polite stop, then force after `graceMs`. Resolves when it is gone. */
  stop(opts?: { graceMs?: number }): Promise<void>;
  describe(): string;
}

export interface Launcher {
  readonly kind: string;
  /** After the job is over, how long its environment may take to end by itself before it is stopped. */
  readonly exitGraceMs?: number;
  launch(ctx: LaunchContext, signal: AbortSignal): Promise<Environment>;
  /** An environment of an earlier relay process, if it still runs; null when it is gone. */
  adopt(ref: EnvironmentRef): Promise<Environment | null>;
  /** Removes whatever of this relay's environments is not in `keep` (containers left by a crash). */
  sweep?(keep: EnvironmentRef[]): Promise<number>;
}
