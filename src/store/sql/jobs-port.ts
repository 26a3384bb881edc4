// JobsPort and EdgesPort over kysely.
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Job, JobEdge, JobStatus } from '../../engine/model.js';
import type { EdgesPort, JobLite, JobPatch, JobsPort, NewJob } from '../ports.js';
import { b, LITE_COLUMNS, num, toJob as rowToJob, toJobLite, type LiteRow } from './rows.js';
import type { Database, JobsTable } from './schema.js';
import { runPrepared } from './prepared.js';
import { sealList, type SecretBox } from './secret-box.js';

const CHUNK = 200;

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function jobRow(j: NewJob, box: SecretBox) {
  return {
    pipeline_id: j.pipelineId,
    project_id: j.projectId,
    name: j.name,
    stage: j.stage,
    stage_index: j.stageIndex,
    status: j.status,
    spec: JSON.stringify(j.spec),
    attempt: j.attempt,
    retried: b(j.retried),
    runner_id: j.runnerId,
    system_id: j.systemId,
    failure_reason: j.failureReason,
    exit_code: j.exitCode,
    play_variables: sealList(box, j.playVariables, 'jobs.play_variables'),
    created_at: j.createdAt,
    queued_at: j.queuedAt,
    started_at: j.startedAt,
    finished_at: j.finishedAt,
    scheduled_at: j.scheduledAt,
    last_activity_at: j.lastActivityAt,
    trace_size: j.traceSize,
    deadline_at: j.deadlineAt,
    timeout: j.timeout,
    token_hash: null,
    when_: j.spec.when,
    allow_failure: b(j.spec.allowFailure),
    stage_ordered: b(j.spec.needs === null),
    resource_group: j.spec.resourceGroup,
    interruptible: b(j.spec.interruptible),
  };
}

export function patchRow(p: JobPatch, box: SecretBox): Updateable<JobsTable> {
  const r: Updateable<JobsTable> = {};
  if (p.status !== undefined) r.status = p.status;
  if (p.runnerId !== undefined) r.runner_id = p.runnerId;
  if (p.systemId !== undefined) r.system_id = p.systemId;
  if (p.failureReason !== undefined) r.failure_reason = p.failureReason;
  if (p.exitCode !== undefined) r.exit_code = p.exitCode;
  if (p.playVariables !== undefined) r.play_variables = sealList(box, p.playVariables, 'jobs.play_variables');
  if (p.queuedAt !== undefined) r.queued_at = p.queuedAt;
  if (p.startedAt !== undefined) r.started_at = p.startedAt;
  if (p.finishedAt !== undefined) r.finished_at = p.finishedAt;
  if (p.scheduledAt !== undefined) r.scheduled_at = p.scheduledAt;
  if (p.lastActivityAt !== undefined) r.last_activity_at = p.lastActivityAt;
  if (p.traceSize !== undefined) r.trace_size = p.traceSize;
  if (p.deadlineAt !== undefined) r.deadline_at = p.deadlineAt;
  if (p.timeout !== undefined) r.timeout = p.timeout;
  if (p.retried !== undefined) r.retried = b(p.retried);
  if (p.tokenHash !== undefined) r.token_hash = p.tokenHash;
  if (p.allowFailure !== undefined) r.allow_failure = b(p.allowFailure);
  return r;
}

const COLUMN = { scheduledAt: 'scheduled_at', deadlineAt: 'deadline_at', lastActivityAt: 'last_activity_at', queuedAt: 'queued_at' } as const;

/** A patch row's columns and values, in one order (the columns name the prepared shape). */
function patchParts(row: Updateable<JobsTable>): { columns: string[]; values: unknown[] } {
  const columns = Object.keys(row);
  return { columns, values: columns.map((c) => row[c as keyof typeof row]) };
}

export function jobsPort(db: Kysely<Database>, box: SecretBox): JobsPort {
  const toJob = (r: Selectable<JobsTable>) => rowToJob(r, box);
  // The hot paths (claim, runner updates, finish and advance) run prepared shapes (prepared.ts).
  type P = Parameters<Parameters<typeof runPrepared>[3]>[0];
  const setOf = (p: P, columns: string[], first: number): Updateable<JobsTable> =>
    Object.fromEntries(columns.map((c, i) => [c, p(first + i)])) as Updateable<JobsTable>;
  const conditional = (id: number | number[], from: readonly JobStatus[], patch: JobPatch) => {
    const { columns, values } = patchParts(patchRow(patch, box));
    const many = Array.isArray(id);
    const key = `jobs.transition:${many ? id.length : '='}:${from.length}:${columns.join(',')}`;
    return runPrepared<Selectable<JobsTable>>(db, key, [...values, id, from], (p) =>
      db
        .updateTable('jobs')
        .set(setOf(p, columns, 0))
        .where('id', 'in', many ? p.list(columns.length, id.length) : [p(columns.length)])
        .where('status', 'in', p.list(columns.length + 1, from.length))
        .returningAll(),
    );
  };
  const lites = (key: string, args: unknown[], build: Parameters<typeof runPrepared<LiteRow>>[3]) => runPrepared<LiteRow>(db, key, args, build).then((rows) => rows.map(toJobLite));
  return {
    async insertMany(jobs) {
      const out: Job[] = [];
      for (const part of chunks(jobs, 100)) {
        const rows = await db.insertInto('jobs').values(part.map((j) => jobRow(j, box))).returningAll().execute();
        rows.sort((x, y) => num(x.id) - num(y.id));
        out.push(...rows.map(toJob));
      }
      return out;
    },
    async byId(id) {
      const [r] = await runPrepared(db, 'jobs.byId', [id], (p) => db.selectFrom('jobs').selectAll().where('id', '=', p(0)));
      return r ? toJob(r) : null;
    },
    async byIds(ids) {
      const out: Job[] = [];
      for (const part of chunks(ids)) {
        const rows = await db.selectFrom('jobs').selectAll().where('id', 'in', part).execute();
        out.push(...rows.map(toJob));
      }
      return out.sort((x, y) => x.id - y.id);
    },
    async byPipeline(pipelineId) {
      const rows = await db.selectFrom('jobs').selectAll().where('pipeline_id', '=', pipelineId).orderBy('id').execute();
      return rows.map(toJob);
    },
    async lite(pipelineId) {
      const rows = await db.selectFrom('jobs').select(LITE_COLUMNS).where('pipeline_id', '=', pipelineId).orderBy('id').execute();
      return rows.map(toJobLite);
    },
    async liteByIds(ids) {
      const out = [];
      for (const part of chunks(ids)) {
        out.push(...(await lites(`jobs.liteByIds:${part.length}`, [part], (p) => db.selectFrom('jobs').select(LITE_COLUMNS).where('id', 'in', p.list(0, part.length)))));
      }
      return out.sort((x, y) => x.id - y.id);
    },
    async liteWhere(pipelineId, filter) {
      if (filter.names?.length === 0 || filter.stages?.length === 0) return [];
      const { beforeStage, names, stages, status, stageOrdered } = filter;
      const key = `jobs.liteWhere:${beforeStage !== undefined}:${names?.length}:${stages?.length}:${status !== undefined}:${stageOrdered !== undefined}`;
      const args = [pipelineId, beforeStage, names, stages, status, stageOrdered === undefined ? undefined : b(stageOrdered)];
      return lites(key, args, (p) => {
        let q = db.selectFrom('jobs').select(LITE_COLUMNS).where('pipeline_id', '=', p(0)).where('retried', '=', 0);
        if (beforeStage !== undefined) q = q.where('stage_index', '<', p(1));
        if (names !== undefined) q = q.where('name', 'in', p.list(2, names.length));
        if (stages !== undefined) q = q.where('stage_index', 'in', p.list(3, stages.length));
        if (status !== undefined) q = q.where('status', '=', p(4));
        if (stageOrdered !== undefined) q = q.where('stage_ordered', '=', p(5));
        return q.orderBy('id');
      });
    },
    async createdDependants(jobIds) {
      const out: JobLite[] = [];
      for (const part of chunks(jobIds)) {
        const rows = await lites(`jobs.createdDependants:${part.length}`, [part], (p) =>
          db
            .selectFrom('job_edges')
            .innerJoin('jobs', 'jobs.id', 'job_edges.job_id')
            .select(LITE_COLUMNS.map((c) => `jobs.${c}` as const))
            .where('job_edges.needs_job_id', 'in', p.list(0, part.length))
            .where('jobs.status', '=', 'created')
            .where('jobs.retried', '=', 0),
        );
        out.push(...rows);
      }
      const seen = new Set<number>();
      return out.filter((l) => !seen.has(l.id) && !!seen.add(l.id)).sort((a, b) => a.id - b.id);
    },
    async needsLites(jobIds) {
      const out: { jobId: number; need: JobLite }[] = [];
      for (const part of chunks(jobIds)) {
        const rows = await runPrepared(db, `jobs.needsLites:${part.length}`, [part], (p) =>
          db
            .selectFrom('job_edges')
            .innerJoin('jobs', 'jobs.id', 'job_edges.needs_job_id')
            .select(['job_edges.job_id as edge_job_id', ...LITE_COLUMNS.map((c) => `jobs.${c}` as const)])
            .where('job_edges.job_id', 'in', p.list(0, part.length)),
        );
        for (const r of rows) out.push({ jobId: num(r.edge_job_id), need: toJobLite(r) });
      }
      return out;
    },
    async countByStatus() {
      const rows = await db.selectFrom('jobs').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
      return rows.map((r) => ({ status: r.status as JobStatus, count: num(r.n) }));
    },
    async summary(pipelineId) {
      const rows = await runPrepared(db, 'jobs.summary', [pipelineId], (p) =>
        db
          .selectFrom('jobs')
          .select(['stage_index', 'status', 'allow_failure', (eb) => eb.fn.countAll<number>().as('n')])
          .where('pipeline_id', '=', p(0))
          .where('retried', '=', 0)
          .groupBy(['stage_index', 'status', 'allow_failure']),
      );
      return rows.map((r) => ({ stageIndex: r.stage_index, status: r.status as JobStatus, allowFailure: !!r.allow_failure, count: num(r.n) }));
    },
    async byRunner(runnerId, q) {
      let base = db.selectFrom('jobs').where('runner_id', '=', runnerId);
      if (q.statuses?.length) base = base.where('status', 'in', [...q.statuses]);
      const [count, rows] = await Promise.all([
        base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
        base.selectAll().orderBy('id', q.desc ? 'desc' : 'asc').limit(q.limit).offset(q.offset).execute(),
      ]);
      return { total: num(count?.n ?? 0), jobs: rows.map(toJob) };
    },
    async byTokenHash(hash) {
      const r = await db.selectFrom('jobs').selectAll().where('token_hash', '=', hash).executeTakeFirst();
      return r ? toJob(r) : null;
    },
    async transition(id, from, patch) {
      const [r] = await conditional(id, from, patch);
      return r ? toJob(r) : null;
    },
    async transitionMany(ids, from, patch) {
      const out: Job[] = [];
      for (const part of chunks(ids)) out.push(...(await conditional(part, from, patch)).map(toJob));
      return out.sort((x, y) => x.id - y.id);
    },
    async update(id, patch) {
      const { columns, values } = patchParts(patchRow(patch, box));
      if (columns.length === 0) return;
      await runPrepared(db, `jobs.update:${columns.join(',')}`, [...values, id], (p) =>
        db.updateTable('jobs').set(setOf(p, columns, 0)).where('id', '=', p(columns.length)),
      );
    },
    async status(id) {
      const [r] = await runPrepared(db, 'jobs.status', [id], (p) => db.selectFrom('jobs').select('status').where('id', '=', p(0)));
      return r ? (r.status as JobStatus) : null;
    },
    async activity(id) {
      const [r] = await runPrepared(db, 'jobs.activity', [id], (p) => db.selectFrom('jobs').select(['status', 'last_activity_at']).where('id', '=', p(0)));
      return r ? { status: r.status as JobStatus, lastActivityAt: r.last_activity_at } : null;
    },
    async touch(id, from, patch) {
      const { columns, values } = patchParts(patchRow(patch, box));
      const [r] = columns.length
        ? await runPrepared(db, `jobs.touch:${from.length}:${columns.join(',')}`, [...values, id, from], (p) =>
            db
              .updateTable('jobs')
              .set(setOf(p, columns, 0))
              .where('id', '=', p(columns.length))
              .where('status', 'in', p.list(columns.length + 1, from.length))
              .returning('status'),
          )
        : await runPrepared(db, `jobs.statusIn:${from.length}`, [id, from], (p) =>
            db.selectFrom('jobs').select('status').where('id', '=', p(0)).where('status', 'in', p.list(1, from.length)),
          );
      return r ? (r.status as JobStatus) : null;
    },
    async due(status, column, before, limit) {
      const col = COLUMN[column];
      const rows = await db
        .selectFrom('jobs')
        .selectAll()
        .where('status', '=', status)
        .where(col, 'is not', null)
        .where(col, '<=', before)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(toJob);
    },
    async waitingForResource(projectId, group) {
      const rows = await db
        .selectFrom('jobs')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('resource_group', '=', group)
        .where('status', '=', 'waiting_for_resource')
        .orderBy('id')
        .execute();
      return rows.map(toJob);
    },
    async runningTriggers() {
      // A claimed job always has its runner; running without one is a bridge (the spec tells for sure).
      const rows = await db.selectFrom('jobs').selectAll().where('status', '=', 'running').where('runner_id', 'is', null).orderBy('id').execute();
      return rows.map(toJob).filter((j) => !!j.spec.trigger);
    },
  };
}

const toEdge = (r: { job_id: number; needs_job_id: number; explicit: number; artifacts: number; optional: number }): JobEdge => ({
  jobId: num(r.job_id),
  needsJobId: num(r.needs_job_id),
  explicit: !!r.explicit,
  artifacts: !!r.artifacts,
  optional: !!r.optional,
});

export function edgesPort(db: Kysely<Database>): EdgesPort {
  return {
    async insertMany(edges) {
      for (const part of chunks(edges, 150)) {
        await db
          .insertInto('job_edges')
          .values(part.map((e) => ({ job_id: e.jobId, needs_job_id: e.needsJobId, explicit: b(e.explicit), artifacts: b(e.artifacts), optional: b(e.optional) })))
          .execute();
      }
    },
    async dependants(jobId) {
      const rows = await db.selectFrom('job_edges').select('job_id').where('needs_job_id', '=', jobId).execute();
      return rows.map((r) => num(r.job_id));
    },
    async needsOf(jobId) {
      const rows = await db.selectFrom('job_edges').selectAll().where('job_id', '=', jobId).execute();
      return rows.map(toEdge);
    },
    async dependantsOfMany(jobIds) {
      const out: JobEdge[] = [];
      for (const part of chunks(jobIds)) {
        const rows = await db.selectFrom('job_edges').selectAll().where('needs_job_id', 'in', part).execute();
        out.push(...rows.map(toEdge));
      }
      return out;
    },
    async needsOfMany(jobIds) {
      const out: JobEdge[] = [];
      for (const part of chunks(jobIds)) {
        const rows = await db.selectFrom('job_edges').selectAll().where('job_id', 'in', part).execute();
        out.push(...rows.map(toEdge));
      }
      return out;
    },
    async byPipeline(pipelineId) {
      const rows = await db
        .selectFrom('job_edges')
        .innerJoin('jobs', 'jobs.id', 'job_edges.job_id')
        .selectAll('job_edges')
        .where('jobs.pipeline_id', '=', pipelineId)
        .execute();
      return rows.map(toEdge);
    },
    async repoint(oldJobId, newJobId) {
      await db.updateTable('job_edges').set({ needs_job_id: newJobId }).where('needs_job_id', '=', oldJobId).execute();
      await db.updateTable('job_edges').set({ job_id: newJobId }).where('job_id', '=', oldJobId).execute();
    },
  };
}
