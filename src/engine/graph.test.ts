import { describe, expect, test } from 'vitest';
import { combine, decide, depState, pipelineStatus, shouldRetry } from './graph.js';
import type { JobStatus } from './model.js';

const j = (status: JobStatus, allowFailure = false) => ({ status, allowFailure });

describe('pipelineStatus (GitLab composite)', () => {
  test.each([
    [[j('success'), j('success')], 'success'],
    [[j('success'), j('failed', true)], 'success'],
    [[j('success'), j('failed')], 'failed'],
    [[j('skipped'), j('skipped')], 'skipped'],
    [[j('success'), j('manual', true)], 'success'],
    [[j('success'), j('manual', false), j('created')], 'manual'],
    [[j('pending'), j('created')], 'pending'],
    [[j('success'), j('pending')], 'running'],
    [[j('running'), j('failed')], 'running'],
    [[j('canceled'), j('success')], 'canceled'],
    [[j('canceling'), j('canceled')], 'canceling'],
    [[j('success'), j('scheduled')], 'scheduled'],
    [[j('success'), j('waiting_for_resource')], 'waiting_for_resource'],
    [[j('created')], 'created'],
    [[j('failed'), j('canceled'), j('success')], 'failed'],
  ] as const)('%j -> %s', (jobs, expected) => {
    expect(pipelineStatus([...jobs])).toBe(expected);
  });
});

describe('dependencies and when', () => {
  test('needs vs stage order', () => {
    expect(depState(j('skipped'), true)).toBe('skipped');
    expect(depState(j('skipped'), false)).toBe('ok');
    expect(depState(j('manual', true), false)).toBe('ok');
    expect(depState(j('manual', true), true)).toBe('wait');
    expect(depState(j('manual', false), false)).toBe('wait');
    expect(depState(j('failed', true), true)).toBe('ok');
    expect(combine(['ok', 'failed', 'wait'])).toBe('wait');
    expect(combine(['ok', 'canceled', 'failed'])).toBe('failed');
  });
  test('when', () => {
    expect(decide('on_success', 'ok')).toBe('activate');
    expect(decide('on_success', 'failed')).toBe('skip');
    expect(decide('on_failure', 'failed')).toBe('activate');
    expect(decide('on_failure', 'ok')).toBe('skip');
    expect(decide('always', 'canceled')).toBe('activate');
    expect(decide('manual', 'ok')).toBe('manual');
    expect(decide('delayed', 'ok')).toBe('scheduled');
    expect(decide('delayed', 'failed')).toBe('skip');
    expect(decide('always', 'wait')).toBe('wait');
  });
  test('retry rules', () => {
    const r = { max: 2, when: ['always'], exitCodes: [] };
    expect(shouldRetry(r, 0, 'script_failure', 1)).toBe(true);
    expect(shouldRetry(r, 2, 'script_failure', 1)).toBe(false);
    expect(shouldRetry({ max: 2, when: ['runner_system_failure'], exitCodes: [] }, 0, 'script_failure', 1)).toBe(false);
    expect(shouldRetry({ max: 1, when: ['always'], exitCodes: [137] }, 0, 'script_failure', 137)).toBe(true);
    expect(shouldRetry({ max: 1, when: ['always'], exitCodes: [137] }, 0, 'script_failure', 1)).toBe(false);
    expect(shouldRetry({ max: 0, when: ['always'], exitCodes: [] }, 0, 'script_failure', 1)).toBe(false);
  });
});
