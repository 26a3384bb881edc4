// The `info` object the runner sends with every request (§2.1): who we are and which job
// features we can run. GitLab uses the features to refuse jobs a runner cannot run.
import os from 'node:os';
import type { FeaturesInfo, RunnerInfo } from '../../runner-api/protocol.js';
import { goArch, RUNNER_NAME, RUNNER_VERSION } from './runner-identity.js';

/** What the built-in shell executor supports. */
export const shellFeatures: FeaturesInfo = {
  variables: true,
  artifacts: true,
  cache: true,
  fallback_cache_keys: true,
  shared: true,
  upload_multiple_artifacts: true,
  upload_raw_artifacts: true,
  refspecs: true,
  masking: true,
  raw_variables: true,
  artifacts_exclude: true,
  multi_build_steps: true,
  return_exit_code: true,
  // Always set by gitlab-runner's network client:
  trace_reset: true,
  trace_checksum: true,
  trace_size: true,
  cancelable: true,
  cancel_gracefully: true,
  two_phase_job_commit: true,
};

export function runnerInfo(opts: { executor?: string; shell?: string; features?: FeaturesInfo; labels?: Record<string, string> } = {}): RunnerInfo {
  return {
    name: RUNNER_NAME,
    version: RUNNER_VERSION,
    revision: 'main',
    platform: os.platform(),
    architecture: goArch(),
    executor: opts.executor ?? 'shell',
    shell: opts.shell ?? 'bash',
    features: { ...shellFeatures, ...opts.features },
    config: { gpus: '' },
    ...(opts.labels ? { labels: opts.labels } : {}),
  };
}
