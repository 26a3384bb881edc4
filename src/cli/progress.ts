// Progress for `run`. On a TTY: a "Pipeline #N for REF (M jobs)" header with the UI address, then
// a live view of stages and jobs (status, spinner, duration) redrawn in place and laid out to fit
// the terminal (progress-view.ts), so that it never scrolls. Otherwise: the header and one line
// per job status change. `verbose` streams every job log prefixed with the job name. After the
// summary, `follow()` keeps printing one line per change (jobs retried or played from the UI of
// `run --keep`). NO_COLOR is respected. A null `out` prints nothing (--json).
import type { Writable } from 'node:stream';
import type { CoordinatorEvent } from '../engine/coordinator.js';
import type { Job, Pipeline } from '../engine/model.js';
import { cleanLog } from './log-text.js';
import { countsLabel, fitWidth, layoutLiveView, pipelineLabel, shownStatus, type ShownStatus, type StageRow } from './progress-view.js';

export type ProgressOut = Writable & { isTTY?: boolean; columns?: number; rows?: number };

interface ReporterOptions {
  out: ProgressOut | null;
  verbose: boolean;
  readTrace: (jobId: number, start: number) => Promise<Buffer>;
  color?: boolean;
}

const ICON: Record<ShownStatus, string> = {
  created: '○', pending: '◔', running: '◑', success: '✔', failed: '✖', warning: '⚠', canceled: '⊘', canceling: '⊘',
  skipped: '»', manual: '▶', scheduled: '⏲', waiting_for_resource: '◔',
};
const COLOR: Partial<Record<ShownStatus | 'header', string>> = {
  success: '32', failed: '31', warning: '33', running: '34', pending: '33', canceled: '90', canceling: '90', skipped: '90', manual: '36', header: '1',
};
const FINISHED_PIPELINE = new Set<Pipeline['status']>(['success', 'failed', 'canceled', 'skipped', 'manual']);
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function formatDuration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${Math.round(s % 60).toString().padStart(2, '0')}s`;
}

/** The status a stage shows when collapsed: its worst job, as GitLab's stage icon. */
function stageStatus(jobs: Job[]): ShownStatus {
  const shown = new Set(jobs.map(shownStatus));
  for (const s of ['failed', 'running', 'canceling', 'pending', 'waiting_for_resource', 'warning', 'canceled', 'manual', 'scheduled', 'created', 'success'] as ShownStatus[]) if (shown.has(s)) return s;
  return 'skipped';
}

export interface StartInfo {
  /** The address of the pipeline in the UI (a sign-in link for `run`'s own user). */
  uiUrl?: string;
}

export function createProgressReporter(opts: ReporterOptions) {
  const out = opts.out;
  const tty = Boolean(out?.isTTY);
  const live = tty && !opts.verbose;
  const color = opts.color ?? (!process.env.NO_COLOR && tty);
  const paint = (status: ShownStatus | 'header', text: string) => (color && COLOR[status] ? `\x1b[${COLOR[status]}m${text}\x1b[0m` : text);
  const jobs = new Map<number, Job>();
  const traceOffsets = new Map<number, number>();
  const traceTail = new Map<number, string>();
  let stages: string[] = [];
  let drawnLines = 0;
  let frame = 0;
  let timer: NodeJS.Timeout | null = null;
  let following = false;
  let lastStatus: Pipeline['status'] | null = null;
  let ownId = 0;
  let headerLines = 0;
  let traceChain = Promise.resolve();

  const duration = (j: Job) => (j.startedAt ? formatDuration((j.finishedAt ? Date.parse(j.finishedAt) : Date.now()) - Date.parse(j.startedAt)) : '');

  const line = (j: Job, spin: boolean) => {
    const shown = shownStatus(j);
    const icon = j.status === 'running' && spin ? SPINNER[frame % SPINNER.length] : ICON[shown] ?? '?';
    const label = shown === 'warning' ? 'failed' : j.status;
    const extra = shown === 'warning' ? ' (allowed to fail)' : '';
    return `  ${paint(shown, `${icon} ${label.padEnd(8)}`)} ${j.name}${extra} ${duration(j)}`.trimEnd();
  };

  const stageRows = (): StageRow[] => {
    const visible = [...jobs.values()].filter((j) => !j.retried).sort((a, b) => a.stageIndex - b.stageIndex || a.id - b.id);
    const names = [...stages];
    for (const j of visible) if (!names.includes(j.stage)) names.push(j.stage);
    return names.map((name) => ({ name, jobs: visible.filter((j) => j.stage === name) }));
  };

  const draw = () => {
    if (!out || !live) return;
    const rows = out.rows && out.rows > 0 ? out.rows : 24;
    const width = (out.columns && out.columns > 0 ? out.columns : 80) - 1;
    const lines = layoutLiveView({
      stages: stageRows(),
      // the header (and its UI address) stays on screen above the view
      maxLines: rows - 1 - headerLines,
      jobLine: (j) => line(j, true),
      stageLine: (s) => paint('header', s.name),
      collapsedLine: (s) => {
        const st = stageStatus(s.jobs);
        return `${paint(st, ICON[st])} ${paint('header', s.name)}: ${countsLabel(s.jobs)}`;
      },
      groupLine: (group, state) => {
        const all = group.flatMap((s) => s.jobs);
        const st = stageStatus(all);
        return `${paint(st, ICON[st])} ${group.length} stages ${state === 'finished' ? 'done' : 'to come'} (${group.map((s) => s.name).join(', ')}): ${countsLabel(all)}`;
      },
      moreLine: (hidden) => `  … ${hidden.length} more: ${countsLabel(hidden)}`,
    }).map((l) => fitWidth(l, width));
    // Back to the first line of the view, rewrite each line, clear what a longer view left below.
    let text = drawnLines > 0 ? `\r\x1b[${drawnLines}A` : '';
    text += lines.map((l) => `\x1b[2K${l}`).join('\n') + '\n\x1b[J';
    out.write(text);
    drawnLines = lines.length;
  };

  const summary = (pipeline: Pipeline, all: Job[], interrupted: boolean) => {
    const current = all.filter((j) => !j.retried);
    const took = pipeline.finishedAt ? ` in ${formatDuration(Date.parse(pipeline.finishedAt) - Date.parse(pipeline.startedAt ?? pipeline.createdAt))}` : '';
    const label = interrupted ? 'canceled' : pipelineLabel(pipeline.status, current);
    const tone: ShownStatus = interrupted ? 'canceled' : label === 'passed with warnings' ? 'warning' : pipeline.status;
    return `Pipeline #${pipeline.id} ${paint(tone, label)}${took}: ${countsLabel(current)}\n`;
  };

  const streamTrace = (jobId: number, length: number) => {
    const job = jobs.get(jobId);
    if (!out || !opts.verbose || !job) return;
    traceChain = traceChain.then(async () => {
      const from = traceOffsets.get(jobId) ?? 0;
      if (length <= from) return;
      const chunk = (await opts.readTrace(jobId, from)).subarray(0, length - from);
      traceOffsets.set(jobId, from + chunk.length);
      const text = (traceTail.get(jobId) ?? '') + chunk.toString('utf8');
      const cut = text.lastIndexOf('\n');
      traceTail.set(jobId, cut >= 0 ? text.slice(cut + 1) : text);
      if (cut < 0) return;
      for (const l of cleanLog(text.slice(0, cut), { color })) out.write(`${paint('running', `[${job.name}]`)} ${l}\n`);
    }).catch(() => undefined);
  };

  return {
    start(pipeline: Pipeline, initial: Job[], info: StartInfo = {}) {
      stages = pipeline.stages;
      ownId = pipeline.id;
      for (const j of initial) jobs.set(j.id, j);
      if (!out) return;
      const count = initial.filter((j) => !j.retried).length;
      const header = [`Pipeline #${pipeline.id} for ${pipeline.ref} (${count} job${count === 1 ? '' : 's'})`, ...(info.uiUrl ? [`  UI: ${info.uiUrl}`] : [])];
      const columns = out.columns && out.columns > 0 ? out.columns : 80;
      headerLines = header.reduce((n, l) => n + Math.max(1, Math.ceil([...l].length / columns)), 0);
      out.write(`${paint('header', header[0])}\n${header.slice(1).map((l) => `${l}\n`).join('')}`);
      if (!live) return;
      draw();
      timer = setInterval(() => {
        frame++;
        draw();
      }, 120);
      timer.unref();
    },
    update(event: CoordinatorEvent) {
      if (event.type === 'pipeline' && event.pipeline.id === ownId && following && out) {
        // A pipeline retried from the UI ends again: its new verdict.
        const before = lastStatus;
        lastStatus = event.pipeline.status;
        if (before !== lastStatus && FINISHED_PIPELINE.has(lastStatus)) out.write(summary(event.pipeline, [...jobs.values()], false));
        return;
      }
      if (event.type !== 'job' || event.job.pipelineId !== ownId) return;
      const before = jobs.get(event.job.id);
      jobs.set(event.job.id, event.job);
      if (!out) return;
      if (live && !following) return draw();
      if (event.job.retried) return;
      if (!before || before.status !== event.job.status) out.write(`${line(event.job, false)}\n`);
    },
    trace(jobId: number, length: number) {
      streamTrace(jobId, length);
    },
    /**
     * The final view and the summary: "Pipeline #N passed with warnings in 3.2s: 10 success, 2
     * allowed to fail". `interrupted` (Ctrl-C): the pipeline was canceled, whatever its jobs did.
     */
    finish(pipeline: Pipeline, finalJobs: Job[], o: { interrupted?: boolean } = {}) {
      if (timer) clearInterval(timer);
      timer = null;
      for (const j of finalJobs) jobs.set(j.id, j);
      lastStatus = pipeline.status;
      if (!out) return;
      if (live) draw();
      out.write(`\n${summary(pipeline, finalJobs, Boolean(o.interrupted))}`);
    },
    /** From now on one line per job status change (the UI of `run --keep` may retry or play jobs). */
    follow() {
      following = true;
    },
  };
}
