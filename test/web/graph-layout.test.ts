// Unit tests of the pipeline graph's grouping, columns and link routing (web/src/pipeline).
import { describe, expect, it } from 'vitest';
import { graphColumns, pathOf, routeLink, type ColumnBoxes } from '../../web/src/pipeline/graph-layout.js';
import { groupJobs, groupName, groupStatus, latestJobs } from '../../web/src/pipeline/job-groups.js';
import type { Job, PipelineDetail, Status } from '../../web/src/types.js';

let ids = 0;
const job = (name: string, stageIndex: number, over: Partial<Job> = {}): Job =>
  ({ id: ++ids, name, stage: ['build', 'test', 'deploy'][stageIndex], stageIndex, status: 'success', allowFailure: false, retried: false, needs: null, ...over }) as Job;

describe('groups', () => {
  it('groups parallel and matrix jobs by their base name', () => {
    expect(groupName('test 2/3')).toBe('test');
    expect(groupName('unit-tests: [18, mac]')).toBe('unit-tests');
    expect(groupName('deploy: prod')).toBe('deploy: prod');
    expect(groupName('lint')).toBe('lint');
    const g = groupJobs([job('test 1/2', 1), job('lint', 1), job('test 2/2', 1)]);
    expect(g.map((x) => [x.name, x.jobs.length])).toEqual([
      ['test', 2],
      ['lint', 1],
    ]);
  });

  it('gives a group the most telling status, allowed failures as warnings', () => {
    const of = (...s: [Status, boolean?][]) => groupStatus(s.map(([status, allowFailure = false]) => job('x', 0, { status, allowFailure })));
    expect(of(['success'], ['failed'])).toEqual({ status: 'failed', allowFailure: false });
    expect(of(['success'], ['running'])).toEqual({ status: 'running', allowFailure: false });
    expect(of(['success'], ['failed', true])).toEqual({ status: 'failed', allowFailure: true });
    expect(of(['success'], ['success'])).toEqual({ status: 'success', allowFailure: false });
    expect(of(['running'], ['failed', true])).toEqual({ status: 'running', allowFailure: false });
  });

  it('keeps the order of the first attempts: a retry does not move a job', () => {
    const a = job('a', 0);
    const b = job('b', 0);
    const retriedA = { ...job('a', 0), retried: false };
    a.retried = true;
    expect(latestJobs([a, b, retriedA]).map((j) => j.name)).toEqual(['a', 'b']);
  });
});

describe('columns', () => {
  const detail = (jobs: Job[], edges: [Job, Job][]): PipelineDetail =>
    ({ pipeline: { stages: ['build', 'test', 'deploy'] }, jobs, edges: edges.map(([from, to]) => ({ jobId: to.id, needsJobId: from.id, explicit: true })) }) as PipelineDetail;

  it('lays out by stage, or by dependency layer (no needs = after every earlier stage)', () => {
    const compile = job('compile', 0, { needs: [] });
    const lint = job('lint', 0, { needs: [] });
    const unit = job('unit', 1, { needs: ['compile'] });
    const ship = job('ship', 2, { needs: null });
    const d = detail([compile, lint, unit, ship], [[compile, unit]]);
    expect(graphColumns(d, 'stage').map((c) => c.groups.map((g) => g.name))).toEqual([['compile', 'lint'], ['unit'], ['ship']]);
    expect(graphColumns(d, 'needs').map((c) => c.groups.map((g) => g.name))).toEqual([['compile', 'lint'], ['unit'], ['ship']]);
    const early = job('early', 2, { needs: ['lint'] });
    const d2 = detail([compile, lint, unit, early], [[lint, early]]);
    expect(graphColumns(d2, 'needs').map((c) => c.groups.map((g) => g.name))).toEqual([['compile', 'lint'], ['unit', 'early']]);
  });
});

describe('routeLink', () => {
  // Three columns 200 px wide with 60 px gaps; cards 40 px high with 12 px gaps.
  const card = (col: number, row: number) => ({ left: 30 + col * 260, right: 230 + col * 260, top: 40 + row * 52, bottom: 80 + row * 52 });
  const column = (col: number, rows: number): ColumnBoxes => ({ left: 30 + col * 260, right: 230 + col * 260, cards: Array.from({ length: rows }, (_, r) => card(col, r)) });

  it('crosses a column in between through a gap between its cards, never through a card', () => {
    const cols = [column(0, 2), column(1, 3), column(2, 1)];
    const pts = routeLink(cols, 0, card(0, 0), 2, card(2, 0));
    // Every horizontal segment inside column 1 lies in a gap.
    for (let i = 1; i < pts.length; i++) {
      const [[x1, y1], [x2, y2]] = [pts[i - 1], pts[i]];
      if (y1 !== y2) expect(x1).toBe(x2); // orthogonal
      for (const c of cols[1].cards) {
        const inside = y1 === y2 && y1 > c.top && y1 < c.bottom && Math.max(x1, x2) > c.left && Math.min(x1, x2) < c.right;
        expect(inside).toBe(false);
      }
      // vertical segments stay in gaps between columns
      if (x1 === x2) for (const col of cols) expect(x1 > col.left && x1 < col.right).toBe(false);
    }
    expect(pts[0]).toEqual([230, 60]);
    expect(pts[pts.length - 1]).toEqual([550, 60]);
    expect(pathOf(pts)).toMatch(/^M230,60 .* L550,60$/);
  });

  it('runs a link inside one column in the gap on its left', () => {
    const cols = [column(0, 1), column(1, 3)];
    const pts = routeLink(cols, 1, card(1, 0), 1, card(1, 2));
    expect(pts.map((p) => p[0])).toEqual([290, 260, 260, 290]);
  });
});
