// Stage statuses of the list's mini graph and the warning state, from job summary rows.
import { expect, it } from 'vitest';
import { stageSummaryOf } from './stage-summary.js';

const row = (stageIndex: number, status: string, allowFailure = false, count = 1) => ({ stageIndex, status: status as never, allowFailure, count });

it('gives each stage its composite status; an allowed failure makes a passed stage and pipeline a warning', () => {
  const s = stageSummaryOf({ stages: ['build', 'test', 'deploy'], status: 'success' }, [row(0, 'success', false, 2), row(1, 'success'), row(1, 'failed', true), row(2, 'manual', true)]);
  expect(s).toEqual({
    warning: true,
    stageSummary: [
      { name: 'build', status: 'success', warning: false, jobs: 2 },
      { name: 'test', status: 'success', warning: true, jobs: 2 },
      { name: 'deploy', status: 'manual', warning: false, jobs: 1 },
    ],
  });
});

it('a real failure stays red, running stays running, and no allowed failure means no warning', () => {
  const s = stageSummaryOf({ stages: ['a', 'b'], status: 'failed' }, [row(0, 'failed'), row(0, 'failed', true), row(1, 'running')]);
  expect(s.warning).toBe(false);
  expect(s.stageSummary.map((x) => [x.name, x.status, x.warning])).toEqual([
    ['a', 'failed', false],
    ['b', 'running', false],
  ]);
  expect(stageSummaryOf({ stages: ['a'], status: 'success' }, [row(0, 'success')]).warning).toBe(false);
  // a stage index past the names (older rows) still gets a label
  expect(stageSummaryOf({ stages: [], status: 'running' }, [row(3, 'pending')]).stageSummary[0].name).toBe('stage 3');
});
