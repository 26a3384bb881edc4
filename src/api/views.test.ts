// The UI API reports allow_failure as GitLab does: with `allow_failure: exit_codes`, true once the
// job failed with a listed code, false for another code and before it ran.
import { expect, it } from 'vitest';
import type { Job } from '../engine/model.js';
import { jobView } from './views.js';

const job = (status: Job['status'], exitCode: number | null, spec: Partial<Job['spec']>): Job =>
  ({
    id: 1, pipelineId: 1, projectId: 1, name: 'codes', stage: 'test', stageIndex: 0, status, exitCode, attempt: 0, retried: false, runnerId: null,
    failureReason: status === 'failed' ? 'script_failure' : null, createdAt: '2026-01-01T00:00:00.000Z', queuedAt: null, startedAt: null, finishedAt: null,
    scheduledAt: null, traceSize: 0, timeout: 3600, playVariables: [],
    spec: { when: 'on_success', allowFailure: false, allowFailureExitCodes: null, needs: null, ...spec },
  }) as unknown as Job;

it('allowFailure follows allow_failure: exit_codes', () => {
  expect(jobView(job('failed', 3, { allowFailureExitCodes: [3] })).allowFailure).toBe(true);
  expect(jobView(job('failed', 1, { allowFailureExitCodes: [3] })).allowFailure).toBe(false);
  expect(jobView(job('created', null, { allowFailureExitCodes: [3] })).allowFailure).toBe(false);
  expect(jobView(job('failed', 1, { allowFailure: true })).allowFailure).toBe(true);
  expect(jobView(job('success', 0, {})).allowFailure).toBe(false);
});
