// Limits on child pipelines (trigger: include), as GitLab's CreateDownstreamPipelineService checks
// them before it creates a downstream pipeline:
// - depth: a root may have children and grandchildren; a trigger job in a grandchild fails with
//   `reached_max_descendant_pipelines_depth` (the new child's ancestors, its parent included,
//   may number at most MAX_DESCENDANTS_DEPTH);
// - size: a trigger job fails with `reached_max_pipeline_hierarchy_size` once the whole tree
//   (root and every descendant) holds `maxPipelineHierarchySize` pipelines (GitLab: 1,000).
// The checks run inside the creating transaction with the parent and the root row-locked, so
// concurrent creations in one tree (on any node) cannot overshoot, and a trigger job canceled by a
// pipeline cancel committed before can create nothing.
import type { StorePorts } from '../store/ports.js';
import { AppError, notFound } from '../util/errors.js';
import type { FailureReason } from './model.js';

export const MAX_DESCENDANTS_DEPTH = 2;
export const DEFAULT_MAX_PIPELINE_HIERARCHY_SIZE = 1_000;

export type DownstreamRefusal = 'reached_max_descendant_pipelines_depth' | 'reached_max_pipeline_hierarchy_size' | 'trigger_not_running';

/** What the trigger job's log says (GitLab's job failure texts). */
export const DOWNSTREAM_REFUSAL_MESSAGES: Record<DownstreamRefusal, string> = {
  reached_max_descendant_pipelines_depth: 'reached maximum depth of child pipelines',
  reached_max_pipeline_hierarchy_size: 'downstream pipeline tree is too large',
  trigger_not_running: 'the trigger job is no longer running',
};

/** A child pipeline that must not be created; `failureReason` is null when the trigger job has already finished. */
export class DownstreamRefused extends AppError {
  readonly reason: DownstreamRefusal;
  readonly failureReason: FailureReason | null;
  constructor(reason: DownstreamRefusal) {
    super('conflict', DOWNSTREAM_REFUSAL_MESSAGES[reason]);
    this.name = 'DownstreamRefused';
    this.reason = reason;
    this.failureReason = reason === 'trigger_not_running' ? null : reason;
  }
}

/** Row-locks the parent pipeline; throws DownstreamRefused('trigger_not_running') unless its trigger job `parentJobId` runs. */
export async function lockRunningTrigger(tx: StorePorts, input: { parentPipelineId: number; parentJobId: number }): Promise<void> {
  const parent = await tx.pipelines.lock(input.parentPipelineId);
  if (!parent) throw notFound(`Pipeline ${input.parentPipelineId} not found`);
  const bridge = await tx.jobs.byId(input.parentJobId);
  if (!bridge || bridge.pipelineId !== parent.id || bridge.status !== 'running') throw new DownstreamRefused('trigger_not_running');
}

/** Throws DownstreamRefused when a new child of `parentPipelineId` would break a limit (row-locks the root). */
export async function checkDownstreamLimits(tx: StorePorts, input: { parentPipelineId: number; maxHierarchySize: number }): Promise<void> {
  const chain = await tx.pipelines.ancestors(input.parentPipelineId);
  if (chain.length === 0) throw notFound(`Pipeline ${input.parentPipelineId} not found`);
  if (chain.length > MAX_DESCENDANTS_DEPTH) throw new DownstreamRefused('reached_max_descendant_pipelines_depth');
  const root = chain[chain.length - 1].id;
  if (root !== input.parentPipelineId) await tx.pipelines.lock(root);
  if ((await tx.pipelines.hierarchySize(root)) >= input.maxHierarchySize) throw new DownstreamRefused('reached_max_pipeline_hierarchy_size');
}
