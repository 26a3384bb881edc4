// The pipeline graph's columns and its `needs` links.
//
// Columns: one per stage (GitLab's "group jobs by stage"), or one per dependency layer ("job
// dependencies": a job sits one column right of the last job it waits for, by `needs` or by stage
// order). Links are routed orthogonally through the free space only: out of the source card's
// right edge into the gap after its column, along that gap, across each column in between through
// a gap between two cards (or below its last card), and into the target card's left edge from
// the gap before its column. A link inside one column runs in the gap on its left.
import type { Job, PipelineDetail } from '../types.js';
import { groupJobs, latestJobs, type JobGroup } from './job-groups.js';

export type GroupBy = 'stage' | 'needs';

export interface Column {
  key: string;
  /** Stage name (null in the dependencies view). */
  title: string | null;
  groups: JobGroup[];
}

/** Needs links by job name, from explicit edges (ids of any attempt) and the jobs' own `needs`. */
export function needLinks(detail: PipelineDetail): [string, string][] {
  const nameOf = new Map(detail.jobs.map((j) => [j.id, j.name]));
  const seen = new Set<string>();
  const out: [string, string][] = [];
  const add = (from: string | undefined, to: string | undefined) => {
    if (!from || !to || from === to) return;
    const k = `${from}\u0000${to}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push([from, to]);
  };
  for (const e of detail.edges) if (e.explicit) add(nameOf.get(e.needsJobId), nameOf.get(e.jobId));
  const names = new Set(detail.jobs.map((j) => j.name));
  for (const j of detail.jobs) if (!j.retried && j.needs) for (const n of j.needs) if (names.has(n)) add(n, j.name);
  return out;
}

/** Dependency layer of every job: 0 without dependencies, else one more than its deepest one. */
export function layers(detail: PipelineDetail, jobs: readonly Job[]): Map<string, number> {
  const nameOf = new Map(detail.jobs.map((j) => [j.id, j.name]));
  const deps = new Map<string, Set<string>>(jobs.map((j) => [j.name, new Set<string>()]));
  for (const e of detail.edges) {
    const to = nameOf.get(e.jobId);
    const from = nameOf.get(e.needsJobId);
    if (to && from && to !== from && deps.has(from)) deps.get(to)?.add(from);
  }
  for (const [from, to] of needLinks(detail)) if (deps.has(from)) deps.get(to)?.add(from);
  // Without `needs`, a job waits for every job of the earlier stages.
  for (const j of jobs) if (j.needs === null) for (const k of jobs) if (k.stageIndex < j.stageIndex) deps.get(j.name)!.add(k.name);
  const out = new Map<string, number>();
  const visit = (name: string, path: Set<string>): number => {
    const known = out.get(name);
    if (known !== undefined) return known;
    if (path.has(name)) return 0; // a cycle cannot be created; be safe anyway
    path.add(name);
    let layer = 0;
    for (const d of deps.get(name) ?? []) layer = Math.max(layer, visit(d, path) + 1);
    path.delete(name);
    out.set(name, layer);
    return layer;
  };
  for (const j of jobs) visit(j.name, new Set());
  return out;
}

export function graphColumns(detail: PipelineDetail, by: GroupBy): Column[] {
  const jobs = latestJobs(detail.jobs);
  if (by === 'needs') {
    const layer = layers(detail, jobs);
    const cols: JobGroup[][] = [];
    for (const g of groupJobs(jobs)) {
      const at = Math.max(...g.jobs.map((j) => layer.get(j.name) ?? 0));
      (cols[at] ??= []).push(g);
    }
    return cols.map((groups, i) => ({ key: `layer-${i}`, title: null, groups })).filter((c) => c.groups);
  }
  const stages = detail.pipeline.stages.length ? detail.pipeline.stages : [...new Set(jobs.map((j) => j.stage))];
  return stages
    .map((stage) => ({ key: stage, title: stage, groups: groupJobs(jobs.filter((j) => j.stage === stage)) }))
    .filter((c) => c.groups.length > 0);
}

export interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export interface ColumnBoxes {
  left: number;
  right: number;
  /** The cards of the column, top to bottom. */
  cards: Box[];
}

type Point = [number, number];

/** Where a link crosses column `col` horizontally: a gap between two cards, or below the last one. */
function lane(col: ColumnBoxes, from: number, to: number): number {
  const options: number[] = [];
  for (let i = 1; i < col.cards.length; i++) options.push((col.cards[i - 1].bottom + col.cards[i].top) / 2);
  options.push((col.cards[col.cards.length - 1]?.bottom ?? 0) + 14);
  let best = options[0];
  for (const y of options) if (Math.abs(y - from) + Math.abs(y - to) < Math.abs(best - from) + Math.abs(best - to)) best = y;
  return best;
}

/**
 * The points of a link from card `a` in column `ca` to card `b` in column `cb` (orthogonal, through
 * gaps only). `shift` spreads links sharing a gap apart by a few px.
 */
export function routeLink(cols: readonly ColumnBoxes[], ca: number, a: Box, cb: number, b: Box, shift = 0): Point[] {
  const ya = (a.top + a.bottom) / 2;
  const yb = (b.top + b.bottom) / 2;
  const gapBefore = (c: number) => (c > 0 ? (cols[c - 1].right + cols[c].left) / 2 : cols[c].left - 14) + shift;
  if (cb <= ca) {
    const x = gapBefore(cb);
    return [
      [a.left, ya],
      [x, ya],
      [x, yb],
      [b.left, yb],
    ];
  }
  const pts: Point[] = [[a.right, ya]];
  let y = ya;
  for (let c = ca + 1; c < cb; c++) {
    const x = gapBefore(c);
    const cross = lane(cols[c], y, yb);
    pts.push([x, y], [x, cross]);
    y = cross;
  }
  const x = gapBefore(cb);
  pts.push([x, y], [x, yb], [b.left, yb]);
  return pts;
}

/** An SVG path through `pts` with rounded corners. */
export function pathOf(pts: readonly Point[], radius = 6): string {
  const clean = pts.filter((p, i) => i === 0 || p[0] !== pts[i - 1][0] || p[1] !== pts[i - 1][1]);
  let d = `M${clean[0][0]},${clean[0][1]}`;
  for (let i = 1; i < clean.length; i++) {
    const [x, y] = clean[i];
    const next = clean[i + 1];
    if (!next) {
      d += ` L${x},${y}`;
      break;
    }
    const [px, py] = clean[i - 1];
    const r = Math.min(radius, Math.hypot(x - px, y - py) / 2, Math.hypot(next[0] - x, next[1] - y) / 2);
    const into = (ax: number, ay: number, len: number): Point => {
      const l = Math.hypot(ax, ay) || 1;
      return [x + (ax / l) * len, y + (ay / l) * len];
    };
    const p1 = into(px - x, py - y, r);
    const p2 = into(next[0] - x, next[1] - y, r);
    d += ` L${p1[0]},${p1[1]} Q${x},${y} ${p2[0]},${p2[1]}`;
  }
  return d;
}
