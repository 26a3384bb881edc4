// GitLab's counts and labels for `run`, and the live view's layout within a height.
import { describe, expect, it } from 'vitest';
import type { Job } from '../engine/model.js';
import { countsLabel, fitWidth, layoutLiveView, pipelineLabel, shownStatus, type StageRow } from './progress-view.js';

let nextId = 1;
function job(name: string, stage: string, status: Job['status'], o: { allowFailure?: boolean; exitCodes?: number[]; exitCode?: number } = {}): Job {
  return {
    id: nextId++,
    name,
    stage,
    status,
    exitCode: o.exitCode ?? (status === 'failed' ? 1 : status === 'success' ? 0 : null),
    spec: { allowFailure: o.allowFailure ?? false, allowFailureExitCodes: o.exitCodes ?? null },
  } as unknown as Job;
}

describe('counts and labels', () => {
  it('counts an allowed failure as "allowed to fail", not as failed', () => {
    const jobs = [...Array.from({ length: 10 }, (_, i) => job(`t${i}`, 'test', 'success')), job('a', 'test', 'failed', { allowFailure: true }), job('b', 'test', 'failed', { allowFailure: true })];
    expect(countsLabel(jobs)).toBe('10 success, 2 allowed to fail');
    expect(pipelineLabel('success', jobs)).toBe('passed with warnings');
    expect(pipelineLabel('success', jobs.slice(0, 10))).toBe('passed');
  });

  it('allow_failure: exit_codes allows only the listed codes', () => {
    const matched = job('m', 'test', 'failed', { exitCodes: [3], exitCode: 3 });
    const other = job('o', 'test', 'failed', { exitCodes: [3], exitCode: 1 });
    expect(shownStatus(matched)).toBe('warning');
    expect(shownStatus(other)).toBe('failed');
    expect(countsLabel([matched, other, job('s', 'test', 'success')])).toBe('1 success, 1 allowed to fail, 1 failed');
  });

  it('names the other pipeline states as GitLab does', () => {
    const jobs = [job('a', 'b', 'success'), job('c', 'b', 'canceled')];
    expect(pipelineLabel('canceled', jobs)).toBe('canceled');
    expect(countsLabel(jobs)).toBe('1 success, 1 canceled');
    expect(pipelineLabel('failed', jobs)).toBe('failed');
    expect(pipelineLabel('manual', jobs)).toMatch(/^blocked/);
  });
});

describe('layoutLiveView', () => {
  const render = (stages: StageRow[], maxLines: number) =>
    layoutLiveView({
      stages,
      maxLines,
      jobLine: (j) => `  ${j.status} ${j.name}`,
      stageLine: (s) => s.name,
      collapsedLine: (s, state) => `[${state}] ${s.name}: ${countsLabel(s.jobs)}`,
      groupLine: (g, state) => `[${state} x${g.length}] ${countsLabel(g.flatMap((s) => s.jobs))}`,
      moreLine: (hidden) => `  … ${hidden.length} more: ${countsLabel(hidden)}`,
    });
  const pipeline = (): StageRow[] => [
    { name: 'build', jobs: ['a', 'b', 'c'].map((n) => job(n, 'build', 'success')) },
    { name: 'test', jobs: [...Array.from({ length: 6 }, (_, i) => job(`u${i}`, 'test', i < 2 ? 'running' : i < 4 ? 'pending' : 'success')), job('lint', 'test', 'failed')] },
    { name: 'deploy', jobs: ['x', 'y'].map((n) => job(n, 'deploy', 'created')) },
  ];

  it('shows every job when they fit', () => {
    const lines = render(pipeline(), 44);
    expect(lines).toHaveLength(3 + 3 + 7 + 2);
    expect(lines[0]).toBe('build');
  });

  it('collapses finished and waiting stages first, keeping the active stage whole', () => {
    const lines = render(pipeline(), 11);
    expect(lines.length).toBeLessThanOrEqual(11);
    expect(lines).toContain('[finished] build: 3 success');
    expect(lines).toContain('[waiting] deploy: 2 created');
    for (const n of ['u0', 'u1', 'lint']) expect(lines.some((l) => l.endsWith(` ${n}`)), n).toBe(true);
  });

  it('shows running and failed jobs of a stage that does not fit, and counts the rest', () => {
    const lines = render(pipeline(), 7);
    expect(lines.length).toBeLessThanOrEqual(7);
    expect(lines.filter((l) => l.startsWith('  running'))).toHaveLength(2);
    expect(lines.some((l) => l.endsWith(' lint'))).toBe(true);
    expect(lines.some((l) => /… \d+ more: /.test(l))).toBe(true);
  });

  it('never exceeds its height, even with more stages than lines', () => {
    const many: StageRow[] = Array.from({ length: 30 }, (_, i) => ({ name: `s${i}`, jobs: [job(`j${i}`, `s${i}`, i < 10 ? 'success' : i === 10 ? 'running' : 'created')] }));
    for (const h of [1, 2, 3, 5, 11, 29]) expect(render(many, h).length, `height ${h}`).toBeLessThanOrEqual(h);
    const lines = render(many, 5);
    expect(lines[0]).toMatch(/^\[finished x10\] 10 success/);
    expect(lines.some((l) => l.includes('s10'))).toBe(true);
  });
});

describe('fitWidth', () => {
  it('cuts visible text, not colour codes', () => {
    expect(fitWidth('\x1b[32mabcdef\x1b[0m', 4)).toBe('\x1b[32mabc…\x1b[0m');
    expect(fitWidth('abc', 10)).toBe('abc');
    expect(fitWidth('abcd', 4)).toBe('abcd');
  });
});
