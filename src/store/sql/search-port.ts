// SearchPort over kysely: GitLab's filtered pipeline and job lists, one page at a time. Each
// filter is a WHERE on an indexed column where it matters (project_id, id / status / sha; jobs by
// pipeline or status); counts stop at `cap` (a bounded subquery), so X-Total stays cheap on a
// project with 100,000 pipelines.
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { JobSearch, PipelineSearch, SearchPort } from '../ports.js';
import { num, toJob, toPipeline } from './rows.js';
import type { Database } from './schema.js';
import type { SecretBox } from './secret-box.js';

type PQ = SelectQueryBuilder<Database, 'pipelines', object>;
type JQ = SelectQueryBuilder<Database, 'jobs', object>;

const updatedAt = sql<string>`COALESCE(finished_at, started_at, created_at)`;

function pipelineWhere<Q extends PQ>(s: Q, q: PipelineSearch): Q {
  let r = s.where('project_id', '=', q.projectId) as Q;
  if (q.statuses?.length) r = r.where('status', 'in', q.statuses) as Q;
  if (q.ref !== undefined) r = r.where('ref', '=', q.ref) as Q;
  if (q.sha !== undefined) r = r.where('sha', '=', q.sha) as Q;
  if (q.source !== undefined) r = r.where('source', '=', q.source) as Q;
  if (q.tag !== undefined) r = r.where('is_tag', '=', q.tag ? 1 : 0) as Q;
  if (q.updatedAfter !== undefined) r = r.where(updatedAt, '>', q.updatedAfter) as Q;
  if (q.updatedBefore !== undefined) r = r.where(updatedAt, '<', q.updatedBefore) as Q;
  if (q.username !== undefined) {
    const pattern = `%"login":${JSON.stringify(q.username).replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
    r = r.where(sql<boolean>`commit_info LIKE ${pattern} ESCAPE '\\'`) as Q;
  }
  if (q.afterId !== undefined) r = r.where('id', q.sort === 'asc' ? '>' : '<', q.afterId) as Q;
  return r;
}

function jobWhere<Q extends JQ>(s: Q, q: JobSearch): Q {
  let r = s;
  if (q.pipelineId !== undefined) r = r.where('pipeline_id', '=', q.pipelineId) as Q;
  if (q.projectId !== undefined) r = r.where('project_id', '=', q.projectId) as Q;
  if (q.statuses?.length) r = r.where('status', 'in', q.statuses) as Q;
  if (!q.includeRetried) r = r.where('retried', '=', 0) as Q;
  if (q.bridges !== undefined) r = r.where(sql<string>`spec`, q.bridges ? 'like' : 'not like', '%"trigger":{%') as Q;
  if (q.afterId !== undefined) r = r.where('id', q.sort === 'asc' ? '>' : '<', q.afterId) as Q;
  return r;
}

export function searchPort(db: Kysely<Database>, box: SecretBox): SearchPort {
  return {
    async pipelines(q, page) {
      const dir = q.sort ?? 'desc';
      let s = pipelineWhere(db.selectFrom('pipelines').selectAll() as unknown as PQ, q) as unknown as SelectQueryBuilder<Database, 'pipelines', Record<string, unknown>>;
      const by = q.orderBy ?? 'id';
      if (by === 'status') s = s.orderBy('status', dir);
      else if (by === 'ref') s = s.orderBy('ref', dir);
      else if (by === 'updated_at') s = s.orderBy(updatedAt, dir);
      s = s.orderBy('id', dir);
      const rows = await s.offset(page.offset).limit(page.limit).execute();
      return rows.map((r) => toPipeline(r as never, box));
    },
    async countPipelines(q, cap) {
      const inner = pipelineWhere(db.selectFrom('pipelines').select('id') as unknown as PQ, q).limit(cap);
      const r = await db.selectFrom(inner.as('p')).select(sql<number>`count(*)`.as('n')).executeTakeFirst();
      return num(r?.n ?? 0);
    },
    async jobs(q, page) {
      const dir = q.sort ?? 'desc';
      const s = jobWhere(db.selectFrom('jobs').selectAll() as unknown as JQ, q) as unknown as SelectQueryBuilder<Database, 'jobs', Record<string, unknown>>;
      const rows = await s.orderBy('id', dir).offset(page.offset).limit(page.limit).execute();
      return rows.map((r) => toJob(r as never, box));
    },
    async countJobs(q, cap) {
      const inner = jobWhere(db.selectFrom('jobs').select('id') as unknown as JQ, q).limit(cap);
      const r = await db.selectFrom(inner.as('j')).select(sql<number>`count(*)`.as('n')).executeTakeFirst();
      return num(r?.n ?? 0);
    },
  };
}
