// Per-stage status of a pipeline for the list's mini graph, from the job summary (one query per
// pipeline): each stage gets GitLab's composite status, and `warning` when it passed only because
// failures were allowed (GitLab's "passed with warnings", orange). The pipeline gets the same flag.
import type { Coordinator } from '../engine/coordinator.js';
import { pipelineStatus } from '../engine/graph.js';
import type { JobStatus, Pipeline } from '../engine/model.js';

export interface StageStatus {
  name: string;
  status: JobStatus | Pipeline['status'];
  /** Passed (or ran on) with allowed failures. */
  warning: boolean;
  jobs: number;
}

export interface StageSummary {
  stageSummary: StageStatus[];
  /** The pipeline passed with allowed failures (GitLab's success-with-warnings). */
  warning: boolean;
}

type Row = { stageIndex: number; status: JobStatus; allowFailure: boolean; count: number };

export function stageSummaryOf(pipeline: Pick<Pipeline, 'stages' | 'status'>, rows: Row[]): StageSummary {
  const byStage = new Map<number, Row[]>();
  for (const r of rows) byStage.set(r.stageIndex, [...(byStage.get(r.stageIndex) ?? []), r]);
  const stageSummary = [...byStage.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([index, list]) => {
      // a stage of manual jobs only shows GitLab's gear, not "skipped"
      const status = list.every((r) => r.status === 'manual') ? 'manual' : pipelineStatus(list);
      const allowed = list.some((r) => r.status === 'failed' && r.allowFailure);
      return { name: pipeline.stages[index] ?? `stage ${index}`, status, warning: allowed && status !== 'failed', jobs: list.reduce((n, r) => n + r.count, 0) };
    });
  const allowed = rows.some((r) => r.status === 'failed' && r.allowFailure);
  return { stageSummary, warning: allowed && pipeline.status === 'success' };
}

export async function withStageSummaries<P extends Pick<Pipeline, 'id' | 'stages' | 'status'>>(coordinator: Coordinator, pipelines: P[]): Promise<(P & StageSummary)[]> {
  return Promise.all(pipelines.map(async (p) => ({ ...p, ...stageSummaryOf(p, await coordinator.read.jobSummary(p.id)) })));
}
