// Pipeline schedules: every tick, the due schedules (active, next_run_at passed) are claimed and
// fired. The claim moves next_run_at to the next cron time after now in one conditional UPDATE
// (compare and set on the old value), so with several nodes on one database each run fires on
// exactly one node, and a server that was down fires one pipeline per schedule when it is back.
//
// Per schedule:  waiting ──next_run_at passed──► claim (CAS) ──won──► pipeline (source schedule) ──► waiting
//                                                     └─lost (another node)──► waiting
import type { Automation } from '../engine/automation.js';
import type { PipelineSchedule } from '../engine/model.js';
import type { Project } from '../engine/model.js';
import type { PipelineForRef } from './ref-pipeline.js';

export interface SchedulerOptions {
  automation: Automation;
  project: (id: number) => Promise<Project | null>;
  pipelineForRef: PipelineForRef;
  log: (message: string, error?: unknown) => void;
  /** Tick interval (default 15 s: every schedule fires within a minute of its time). */
  tickMs?: number;
}

export interface PipelineScheduler {
  /** One pass now; returns the number of schedules this node fired. */
  tick(): Promise<number>;
  stop(): Promise<void>;
}

/** Creates the pipeline of one schedule run (scheduler and "play") and records it on the schedule. */
export async function runSchedule(deps: Pick<SchedulerOptions, 'automation' | 'project' | 'pipelineForRef'>, schedule: PipelineSchedule): Promise<number | null> {
  const project = await deps.project(schedule.projectId);
  if (!project) return null;
  const result = await deps.pipelineForRef({
    project,
    ref: schedule.ref,
    source: 'schedule',
    variables: schedule.variables.map((v) => ({ key: v.key, value: v.value })),
  });
  const id = result.detail?.pipeline.id ?? null;
  if (id !== null) await deps.automation.schedules.recordPipeline(schedule.id, id);
  return id;
}

export function startPipelineScheduler(opts: SchedulerOptions): PipelineScheduler {
  const tickMs = opts.tickMs ?? 15_000;
  let stopped = false;
  let running: Promise<number> | null = null;

  const once = async (): Promise<number> => {
    let fired = 0;
    for (const schedule of await opts.automation.schedules.due(100)) {
      if (stopped) break;
      if (!(await opts.automation.schedules.claim(schedule))) continue;
      fired++;
      try {
        await runSchedule(opts, schedule);
      } catch (error) {
        // the run is spent (as in GitLab): the next cron time fires again
        opts.log(`pipeline schedule #${schedule.id} (${schedule.description}) could not create a pipeline`, error);
      }
    }
    return fired;
  };
  const tick = () => {
    running ??= once().finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => {
    if (!stopped) tick().catch((error) => opts.log('pipeline scheduler tick failed', error));
  }, tickMs);
  timer.unref();

  return {
    tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
