// Progress for `run`. On a TTY: a live view of stages and jobs (status, spinner, duration)
// redrawn in place. Otherwise: one line per job status change. `verbose` streams every job log
// prefixed with the job name. NO_COLOR is respected. A null `out` prints nothing (--json).
import type { Writable } from 'node:stream';
import type { CoordinatorEvent } from '../engine/coordinator.js';
import type { Job, Pipeline } from '../engine/model.js';
import { cleanLog } from './log-text.js';

interface ReporterOptions {
  out: (Writable & { isTTY?: boolean; columns?: number }) | null;
  verbose: boolean;
  readTrace: (jobId: number, start: number) => Promise<Buffer>;
  color?: boolean;
}

const ICON: Record<string, string> = {
  created: '○', pending: '◔', running: '◑', success: '✔', failed: '✖', canceled: '⊘', canceling: '⊘',
  skipped: '»', manual: '▶', scheduled: '⏲', waiting_for_resource: '◔',
};
const COLOR: Record<string, string> = { success: '32', failed: '31', running: '34', pending: '33', canceled: '90', skipped: '90', manual: '36' };
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function formatDuration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${Math.round(s % 60).toString().padStart(2, '0')}s`;
}

export function createProgressReporter(opts: ReporterOptions) {
  const out = opts.out;
  const tty = Boolean(out?.isTTY);
  const color = opts.color ?? (!process.env.NO_COLOR && tty);
  const paint = (status: string, text: string) => (color && COLOR[status] ? `\x1b[${COLOR[status]}m${text}\x1b[0m` : text);
  const jobs = new Map<number, Job>();
  const traceOffsets = new Map<number, number>();
  const traceTail = new Map<number, string>();
  let stages: string[] = [];
  let drawnLines = 0;
  let frame = 0;
  let timer: NodeJS.Timeout | null = null;
  let traceChain = Promise.resolve();

  const duration = (j: Job) => (j.startedAt ? formatDuration((j.finishedAt ? Date.parse(j.finishedAt) : Date.now()) - Date.parse(j.startedAt)) : '');

  const line = (j: Job) => {
    const icon = j.status === 'running' && tty ? SPINNER[frame % SPINNER.length] : ICON[j.status] ?? '?';
    const extra = j.status === 'failed' && j.spec.allowFailure ? ' (allowed to fail)' : '';
    return `  ${paint(j.status, `${icon} ${j.status.padEnd(8)}`)} ${j.name}${extra} ${duration(j)}`.trimEnd();
  };

  const draw = () => {
    if (!out || !tty) return;
    const lines: string[] = [];
    const visible = [...jobs.values()].filter((j) => !j.retried);
    for (const stage of stages) {
      const inStage = visible.filter((j) => j.stage === stage);
      if (inStage.length === 0) continue;
      lines.push(color ? `\x1b[1m${stage}\x1b[0m` : stage);
      for (const j of inStage) lines.push(line(j));
    }
    let text = drawnLines > 0 ? `\x1b[${drawnLines}A` : '';
    text += lines.map((l) => `\x1b[2K${l}`).join('\n') + '\n';
    out.write(text);
    drawnLines = lines.length;
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
    start(pipeline: Pipeline, initial: Job[]) {
      stages = pipeline.stages;
      for (const j of initial) jobs.set(j.id, j);
      if (!out) return;
      if (tty && !opts.verbose) {
        draw();
        timer = setInterval(() => {
          frame++;
          draw();
        }, 120);
        timer.unref();
      } else {
        out.write(`Pipeline #${pipeline.id} for ${pipeline.ref} (${initial.length} jobs)\n`);
      }
    },
    update(event: CoordinatorEvent) {
      if (event.type !== 'job') return;
      const before = jobs.get(event.job.id);
      jobs.set(event.job.id, event.job);
      if (!out) return;
      if (tty && !opts.verbose) return draw();
      if (!before || before.status !== event.job.status) out.write(`${line(event.job)}\n`);
    },
    trace(jobId: number, length: number) {
      streamTrace(jobId, length);
    },
    finish(pipeline: Pipeline, finalJobs: Job[]) {
      if (timer) clearInterval(timer);
      for (const j of finalJobs) jobs.set(j.id, j);
      if (!out) return;
      if (tty && !opts.verbose) draw();
      const counts = new Map<string, number>();
      for (const j of finalJobs) counts.set(j.status, (counts.get(j.status) ?? 0) + 1);
      const parts = [...counts.entries()].map(([s, n]) => `${n} ${s}`).join(', ');
      const took = pipeline.finishedAt ? ` in ${formatDuration(Date.parse(pipeline.finishedAt) - Date.parse(pipeline.startedAt ?? pipeline.createdAt))}` : '';
      out.write(`\nPipeline #${pipeline.id} ${paint(pipeline.status, pipeline.status)}${took}: ${parts}\n`);
    },
  };
}
