// Engine settings, defaulted once. Durations in ms unless the name says seconds.
import { DEFAULT_MAX_PIPELINE_HIERARCHY_SIZE } from './downstream-limits.js';

export interface EngineConfig {
  /** Longest hold of an idle jobs/request (GitLab: 50 s). */
  longPollMs: number;
  /** A running job without trace or update for this long is failed (stuck_or_timeout_failure). */
  staleJobSeconds: number;
  /** Job timeout when the job sets none (GitLab project default: 1 h). */
  defaultJobTimeout: number;
  /** Largest live trace kept (GitLab's instance default max job log size is 100 MiB). */
  traceLimitBytes: number;
  /** X-GitLab-Trace-Update-Interval while someone watches the log / otherwise (seconds). */
  traceIntervalWatched: number;
  traceIntervalIdle: number;
  /** How long a watchTrace() call counts as watching (ms). */
  traceWatchMs: number;
  /** Period of the sweepers (delayed jobs, deadlines, stale jobs, stuck flags). */
  sweepIntervalMs: number;
  /** A pending job no online runner can take for this long is reported stuck (seconds). */
  stuckPendingSeconds: number;
  /** Runner contact older than this means offline (seconds; GitLab: 2 h… we use 1 h). */
  runnerOnlineSeconds: number;
  /** Multi-node fallback re-read of the pending table (ms); 0 = off. Defaults on for PostgreSQL. */
  queueFallbackPollMs: number | null;
  /** Min seconds between two stored contact updates of one runner. */
  contactWriteSeconds: number;
  /** Most pipelines in one parent-child tree (GitLab's pipeline_hierarchy_size limit: 1,000). */
  maxPipelineHierarchySize: number;
}

export const DEFAULT_ENGINE_CONFIG: EngineConfig = {
  longPollMs: 50_000,
  staleJobSeconds: 3600,
  defaultJobTimeout: 3600,
  traceLimitBytes: 100 * 1024 * 1024,
  traceIntervalWatched: 3,
  traceIntervalIdle: 30,
  traceWatchMs: 60_000,
  sweepIntervalMs: 5_000,
  stuckPendingSeconds: 3600,
  runnerOnlineSeconds: 3600,
  queueFallbackPollMs: null,
  contactWriteSeconds: 60,
  maxPipelineHierarchySize: DEFAULT_MAX_PIPELINE_HIERARCHY_SIZE,
};
