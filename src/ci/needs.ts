// `needs` and `dependencies`: expanded to parallel/matrix instance names, validated statically
// (GitLab's YamlProcessor: undefined jobs, later stages, duplicates, cycles) and against the jobs
// actually in this pipeline (a need on an excluded job is an error unless `optional`).
import type { Diagnostics } from './diagnostics.js';
import type { JobInstance } from './instantiate.js';
import { matrixCombinations, matrixJobName, MAX_PARALLEL } from './parallel.js';
import type { PlanCrossNeed, PlanNeed } from './plan.js';
import { isObj, setKey, type Obj } from './values.js';
import { valPos } from './source-map.js';

export interface NeedsInput {
  all: JobInstance[];
  diags: Diagnostics;
  stages: string[];
  /** GitLab's `ci_needs_size_limit`. */
  maxNeeds?: number;
}

/** GitLab's default `ci_needs_size_limit`. */
export const MAX_NEEDS = 50;

function substituteMatrix(matrix: unknown[], own: { key: string; value: string }[]): unknown[] {
  const values = new Map(own.map((m) => [m.key, m.value]));
  const sub = (v: unknown): unknown => (typeof v === 'string' ? v.replace(/\$\[\[\s*matrix\.(\w+)\s*\]\]/g, (w, k: string) => values.get(k) ?? w) : Array.isArray(v) ? v.map(sub) : v);
  return matrix.map((entry) => {
    if (!isObj(entry)) return entry;
    const out: Obj = {};
    for (const k of Object.keys(entry)) setKey(out, k, sub(entry[k]));
    return out;
  });
}

export function validateNeeds({ all, diags, stages, maxNeeds = MAX_NEEDS }: NeedsInput): void {
  const byName = new Map<string, JobInstance>();
  const byBase = new Map<string, JobInstance[]>();
  for (const inst of all) {
    if (!byName.has(inst.name)) byName.set(inst.name, inst);
    const list = byBase.get(inst.tpl.name) ?? [];
    list.push(inst);
    byBase.set(inst.tpl.name, list);
  }
  const expand = (job: string): string[] => {
    const insts = byBase.get(job);
    if (insts && insts.length > 0 && insts[0].name !== job) return insts.map((i) => i.name);
    return [job];
  };
  const stageIndex = (name: string): number => {
    const inst = byName.get(name);
    return inst ? stages.indexOf(inst.tpl.stage) : -1;
  };

  const graph = new Map<string, string[]>();
  for (const inst of all) {
    const myStage = stages.indexOf(inst.tpl.stage);
    // needs
    if (inst.needSpecs) {
      const needs: PlanNeed[] = [];
      const cross: PlanCrossNeed[] = [];
      for (const spec of inst.needSpecs) {
        if (spec.cross) {
          cross.push({ ...spec.cross, job: spec.job, artifacts: spec.artifacts });
          continue;
        }
        let names: string[];
        if (spec.matrix && (byBase.get(spec.job)?.[0]?.name ?? spec.job) !== spec.job) {
          const combos = matrixCombinations(substituteMatrix(spec.matrix, inst.matrix), MAX_PARALLEL);
          if (!combos) {
            diags.error(spec.pos, `jobs:${inst.tpl.name}:needs:need:parallel:matrix config should be an array of hashes`);
            continue;
          }
          names = combos.map((c) => matrixJobName(spec.job, c));
        } else names = expand(spec.job);
        for (const name of names) {
          if (!byName.has(name)) {
            if (!spec.optional) diags.missing(spec.pos, `${inst.name} job: undefined need: ${name}`);
            continue;
          }
          const depStage = stageIndex(name);
          if (myStage >= 0 && (depStage < 0 || depStage > myStage)) diags.error(spec.pos, `${inst.name} job: need ${name} is not defined in current or prior stages`);
          needs.push({ job: name, artifacts: spec.artifacts, optional: spec.optional });
        }
      }
      const counts = new Map<string, number>();
      for (const n of needs) counts.set(n.job, (counts.get(n.job) ?? 0) + 1);
      const dups = [...counts].filter(([, c]) => c > 1).map(([n]) => n);
      if (dups.length) diags.error(inst.needSpecs[0]?.pos, `${inst.name} has the following needs duplicated: ${dups.join(', ')}.`);
      if (cross.length) inst.job.crossNeeds = cross;
      graph.set(inst.name, needs.map((n) => n.job));
      if (inst.included && needs.length > maxNeeds) {
        diags.error(inst.needSpecs[0]?.pos ?? inst.tpl.pos, `${inst.name}: one job can only need ${maxNeeds} others, but you have listed ${needs.length}. See needs keyword documentation for more details`);
      }
      // against this pipeline
      if (inst.included) {
        const present: PlanNeed[] = [];
        for (const n of needs) {
          const target = byName.get(n.job);
          if (target && target.included) present.push(n);
          else if (!n.optional) {
            diags.error(inst.needSpecs.find((s) => n.job === s.job || n.job.startsWith(`${s.job} `) || n.job.startsWith(`${s.job}:`))?.pos ?? inst.needSpecs[0]?.pos, `'${inst.name}' job needs '${n.job}' job, but '${n.job}' does not exist in the pipeline. This might be because of the only, except, or rules keywords. To need a job that sometimes does not exist in the pipeline, use needs:optional.`);
          }
        }
        inst.job.needs = present;
      } else inst.job.needs = needs;
    }
    // dependencies
    if (inst.job.dependencies) {
      const deps: string[] = [];
      const depPos = valPos(inst.tpl.raw, 'dependencies', inst.tpl.pos);
      for (const d of inst.job.dependencies) {
        for (const name of expand(d)) {
          if (!byName.has(name)) {
            diags.missing(depPos, `${inst.name} job: undefined dependency: ${name}`);
            continue;
          }
          const depStage = stageIndex(name);
          if (myStage >= 0 && (depStage < 0 || depStage > myStage)) diags.error(depPos, `${inst.name} job: dependency ${name} is not defined in current or prior stages`);
          const target = byName.get(name)!;
          if (!inst.included || target.included) deps.push(name);
        }
      }
      inst.job.dependencies = deps;
    }
    // environment:on_stop
    const onStop = inst.tpl.raw.environment && isObj(inst.tpl.raw.environment) ? inst.tpl.raw.environment.on_stop : undefined;
    if (typeof onStop === 'string' && !byName.has(onStop)) diags.missing(inst.tpl.pos, `${inst.name} job: on_stop job ${onStop} is not defined`);
  }
  const cycle = findCycle(graph);
  if (cycle) {
    const first = byName.get(cycle[0]);
    diags.error(first?.needSpecs?.[0]?.pos ?? first?.tpl.pos, `The pipeline has circular dependencies: ${cycle.join(' -> ')}`);
  }
}

/** A cycle in the needs graph as [a, b, …, a], or null. Iterative DFS (no recursion limit). */
export function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, 1 | 2>();
  for (const start of graph.keys()) {
    if (state.has(start)) continue;
    const stack: { node: string; i: number }[] = [{ node: start, i: 0 }];
    state.set(start, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const next = graph.get(top.node) ?? [];
      if (top.i >= next.length) {
        state.set(top.node, 2);
        stack.pop();
        continue;
      }
      const child = next[top.i++];
      const s = state.get(child);
      if (s === 1) {
        const from = stack.findIndex((f) => f.node === child);
        return [...stack.slice(from).map((f) => f.node), child];
      }
      if (s === undefined && graph.has(child)) {
        state.set(child, 1);
        stack.push({ node: child, i: 0 });
      }
    }
  }
  return null;
}
