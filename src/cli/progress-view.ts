// What `run` shows of a pipeline, as pure functions: GitLab's counts and labels (an allowed
// failure "passed with warnings", it is not a failure) and the live view of a terminal, laid out
// to fit its height so that a redraw never scrolls (finished and waiting stages collapse to one
// line with their counts when the jobs do not all fit).
import { allowsFailure, type Job, type PipelineStatus } from '../engine/model.js';

/** A job's status for display: a failure that is allowed is a warning. */
export type ShownStatus = Job['status'] | 'warning';

export const shownStatus = (j: Pick<Job, 'status' | 'exitCode' | 'spec'>): ShownStatus => (j.status === 'failed' && allowsFailure(j) ? 'warning' : j.status);

const ORDER: ShownStatus[] = ['success', 'warning', 'failed', 'canceled', 'canceling', 'running', 'pending', 'waiting_for_resource', 'scheduled', 'manual', 'created', 'skipped'];
const LABEL: Partial<Record<ShownStatus, string>> = { warning: 'allowed to fail', waiting_for_resource: 'waiting for resource' };

/** "10 success, 2 allowed to fail, 1 failed" in GitLab's order; empty counts are left out. */
export function countsLabel(jobs: Pick<Job, 'status' | 'exitCode' | 'spec'>[]): string {
  const counts = new Map<ShownStatus, number>();
  for (const j of jobs) counts.set(shownStatus(j), (counts.get(shownStatus(j)) ?? 0) + 1);
  return ORDER.filter((s) => counts.has(s)).map((s) => `${counts.get(s)} ${LABEL[s] ?? s}`).join(', ');
}

/** GitLab's words for a pipeline's status: passed, passed with warnings, failed, blocked… */
export function pipelineLabel(status: PipelineStatus, jobs: Pick<Job, 'status' | 'exitCode' | 'spec'>[]): string {
  if (status === 'success') return jobs.some((j) => shownStatus(j) === 'warning') ? 'passed with warnings' : 'passed';
  if (status === 'manual') return 'blocked (waiting for a manual job)';
  return status.replace(/_/g, ' ');
}

const FINISHED = new Set<ShownStatus>(['success', 'warning', 'failed', 'canceled', 'skipped', 'manual']);
const WAITING = new Set<ShownStatus>(['created', 'scheduled']);
/** Which jobs of a partly shown stage are shown first. */
const PRIORITY: ShownStatus[] = ['running', 'failed', 'canceling', 'pending', 'waiting_for_resource', 'warning', 'canceled', 'success', 'manual', 'scheduled', 'created', 'skipped'];

export interface StageRow {
  name: string;
  jobs: Job[];
}

export interface LiveViewOptions {
  stages: StageRow[];
  /** Lines the view may use (the terminal's height less one for the cursor line). */
  maxLines: number;
  jobLine: (j: Job) => string;
  stageLine: (stage: StageRow) => string;
  /** One line for a stage shown by its counts, e.g. "✔ build  3 success". */
  collapsedLine: (stage: StageRow, state: 'finished' | 'waiting' | 'active') => string;
  /** One line for several stages at once (when even one line a stage does not fit). */
  groupLine: (stages: StageRow[], state: 'finished' | 'waiting') => string;
  moreLine: (hidden: Job[]) => string;
}

const stateOf = (s: StageRow): 'finished' | 'waiting' | 'active' => {
  const shown = s.jobs.map(shownStatus);
  if (shown.every((x) => FINISHED.has(x))) return 'finished';
  if (shown.every((x) => WAITING.has(x))) return 'waiting';
  return 'active';
};

/**
 * The lines of the live view, never more than `maxLines`. Everything when it fits; otherwise
 * active stages keep their jobs (running and failed ones first, "… N more" for the rest) while
 * finished and waiting stages are one line each; with very little room, finished stages and
 * waiting stages are one line each group, and what still does not fit is "… N more stages".
 */
export function layoutLiveView(o: LiveViewOptions): string[] {
  const max = Math.max(1, o.maxLines);
  const stages = o.stages.filter((s) => s.jobs.length > 0);
  const full = stages.reduce((n, s) => n + 1 + s.jobs.length, 0);
  if (full <= max) return stages.flatMap((s) => [o.stageLine(s), ...s.jobs.map(o.jobLine)]);

  const states = stages.map(stateOf);
  if (stages.length > max) return groupedLines(o, stages, states, max);

  // One line a stage fits: spend the spare lines on active stages, then the latest finished
  // ones, then the waiting ones.
  let spare = max - stages.length;
  const expand = new Map<number, number>(); // stage index -> job lines shown
  const failing = (i: number) => stages[i].jobs.some((j) => ['failed', 'canceled'].includes(shownStatus(j)));
  const indexes = stages.map((_, i) => i);
  const order = [
    ...indexes.filter((i) => states[i] === 'active'),
    ...indexes.filter((i) => states[i] === 'finished' && failing(i)),
    ...indexes.filter((i) => states[i] === 'finished' && !failing(i)).reverse(),
    ...indexes.filter((i) => states[i] === 'waiting'),
  ];
  for (const i of order) {
    if (spare <= 0) break;
    const n = stages[i].jobs.length;
    if (n <= spare) {
      expand.set(i, n);
      spare -= n;
    } else if ((states[i] === 'active' || failing(i)) && spare >= 2) {
      expand.set(i, spare - 1); // the last line says what is hidden
      spare = 0;
    }
  }
  const lines: string[] = [];
  stages.forEach((s, i) => {
    const shown = expand.get(i);
    if (shown === undefined) return void lines.push(o.collapsedLine(s, states[i]));
    lines.push(o.stageLine(s));
    if (shown >= s.jobs.length) return void lines.push(...s.jobs.map(o.jobLine));
    const rank = (j: Job) => PRIORITY.indexOf(shownStatus(j));
    const picked = new Set([...s.jobs].sort((a, b) => rank(a) - rank(b) || a.id - b.id).slice(0, shown));
    lines.push(...s.jobs.filter((j) => picked.has(j)).map(o.jobLine));
    lines.push(o.moreLine(s.jobs.filter((j) => !picked.has(j))));
  });
  return lines;
}

function groupedLines(o: LiveViewOptions, stages: StageRow[], states: ReturnType<typeof stateOf>[], max: number): string[] {
  const finished = stages.filter((_, i) => states[i] === 'finished');
  const waiting = stages.filter((_, i) => states[i] === 'waiting');
  const rows: string[] = [];
  if (finished.length) rows.push(finished.length === 1 ? o.collapsedLine(finished[0], 'finished') : o.groupLine(finished, 'finished'));
  stages.forEach((s, i) => {
    if (states[i] === 'active') rows.push(o.collapsedLine(s, 'active'));
  });
  if (waiting.length) rows.push(waiting.length === 1 ? o.collapsedLine(waiting[0], 'waiting') : o.groupLine(waiting, 'waiting'));
  if (rows.length <= max) return rows;
  const kept = rows.slice(0, max - 1);
  return [...kept, `  … ${rows.length - kept.length} more stage lines`];
}

/** Cuts a line with ANSI colours to `width` visible characters (a wrapped line would break the redraw). */
export function fitWidth(line: string, width: number): string {
  if (width <= 0) return line;
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; ) {
    const esc = /^\x1b\[[0-9;?]*[A-Za-z]/.exec(line.slice(i, i + 32));
    if (esc) {
      out += esc[0];
      i += esc[0].length;
      continue;
    }
    const ch = String.fromCodePoint(line.codePointAt(i)!);
    if (visible >= width) {
      // keep the escapes that follow (a colour reset), drop the text
      i += ch.length;
      continue;
    }
    if (visible === width - 1 && line.slice(i + ch.length).replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').length > 0) {
      out += '…';
      visible = width;
      i += ch.length;
      continue;
    }
    out += ch;
    visible++;
    i += ch.length;
  }
  return out;
}
