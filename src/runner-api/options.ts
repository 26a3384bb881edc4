// Options of runnerApiPlugin, shared by its route modules.
import type { FastifyBaseLogger } from 'fastify';
import type { BlobStore } from '../artifacts/blob-store.js';
import type { Coordinator } from '../engine/coordinator.js';
import type { PipelineVariable, Project } from '../engine/model.js';
import type { TestReportReader } from '../engine/use-cases/test-reports.js';

/** The engine's additive extra that stores a job's dotenv report variables (EngineCoordinator). */
export interface DotenvSink {
  setJobDotenv?(jobId: number, variables: PipelineVariable[]): Promise<void>;
  /** The engine's extra that stores a job's junit report (EngineCoordinator). */
  storeTestReport?(jobId: number, read: TestReportReader): Promise<unknown>;
}

export interface RunnerApiOptions {
  coordinator: Coordinator & DotenvSink;
  /** Where uploaded artifacts go. */
  blobs: BlobStore;
  /** Base URL of this server as runners reach it (a function when known only after listen). */
  externalUrl: string | (() => string);
  /** Clone URL (no credentials) of a project's repository, e.g. `${externalUrl}/${path}.git`. */
  repoUrlFor(project: Project): string;
  /** Largest artifact upload in bytes (GitLab's default: 100 MB). */
  maxArtifactBytes?: number;
  /** Longest hold of an idle POST /jobs/request (ms, default 50 s; 0 = answer at once). */
  longPollMs?: number;
  /** Largest body of one trace PATCH (the runner sends at most 1 MiB). */
  maxTracePatchBytes?: number;
  logger?: FastifyBaseLogger;
}

export interface ResolvedRunnerApiOptions extends Required<Omit<RunnerApiOptions, 'logger' | 'externalUrl'>> {
  externalUrl: () => string;
  logger?: FastifyBaseLogger;
}

export const DEFAULT_MAX_ARTIFACT_BYTES = 100 * 1024 * 1024;
export const DEFAULT_LONG_POLL_MS = 50_000;
export const DEFAULT_MAX_TRACE_PATCH_BYTES = 4 * 1024 * 1024;

export function resolveOptions(options: RunnerApiOptions): ResolvedRunnerApiOptions {
  const url = options.externalUrl;
  return {
    coordinator: options.coordinator,
    blobs: options.blobs,
    repoUrlFor: options.repoUrlFor,
    externalUrl: typeof url === 'function' ? url : () => url,
    maxArtifactBytes: options.maxArtifactBytes ?? DEFAULT_MAX_ARTIFACT_BYTES,
    longPollMs: options.longPollMs ?? DEFAULT_LONG_POLL_MS,
    maxTracePatchBytes: options.maxTracePatchBytes ?? DEFAULT_MAX_TRACE_PATCH_BYTES,
    logger: options.logger,
  };
}
