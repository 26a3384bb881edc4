// QueuePort: the pending-jobs table (what matching needs, like GitLab's ci_pending_builds) and the
// atomic claim. A claim is ONE statement: the oldest matching pending job flips to `running` only
// if it is still `pending`, so two claimers can never both get it.
//   SQLite:     UPDATE jobs ... WHERE id = (SELECT ... LIMIT 1) AND status = 'pending' RETURNING *
//               (a trigger drops the pending row)
//   PostgreSQL: WITH picked AS (DELETE FROM pending_jobs WHERE job_id = (SELECT ... FOR UPDATE
//               SKIP LOCKED)) UPDATE jobs ... FROM picked ... RETURNING jobs.*
import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import { FEATURE_BITS, type PendingEntry, type QueuePort, type RunnerMatch } from '../ports.js';
import { b, num, toJob } from './rows.js';
import type { Database, JobsTable } from './schema.js';

const ALL_FEATURES = Object.values(FEATURE_BITS).reduce((a, x) => a | x, 0);

function matchCondition(m: RunnerMatch): RawBuilder<unknown> {
  // conditions that are always true are left out: they only blur the planner's row estimates
  const parts: RawBuilder<unknown>[] = [sql`1 = 1`];
  if ((m.features & ALL_FEATURES) !== ALL_FEATURES) parts.push(sql`(p.features | ${m.features}) = ${m.features}`);
  if (m.tags.length === 0) parts.push(sql`p.tag_count = 0`);
  else
    parts.push(
      sql`NOT EXISTS (SELECT 1 FROM pending_job_tags t WHERE t.job_id = p.job_id AND t.tag NOT IN (${sql.join(m.tags)}))`,
    );
  if (!m.runUntagged) parts.push(sql`p.tag_count > 0`);
  if (m.protectedOnly) parts.push(sql`p.protected = 1`);
  if (m.projectId !== null) parts.push(sql`p.project_id = ${m.projectId}`);
  return sql.join(parts, sql` AND `);
}

export function queuePort(db: Kysely<Database>, dialect: 'sqlite' | 'postgres'): QueuePort {
  const port: QueuePort = {
    async enqueue(e) {
      await db
        .insertInto('pending_jobs')
        .values({ job_id: e.jobId, project_id: e.projectId, protected: b(e.protected), tag_count: e.tags.length, features: e.features })
        .execute();
      if (e.tags.length) {
        await db
          .insertInto('pending_job_tags')
          .values([...new Set(e.tags)].map((tag) => ({ job_id: e.jobId, tag })))
          .execute();
      }
    },
    async enqueueMany(entries) {
      for (let i = 0; i < entries.length; i += 200) {
        const part = entries.slice(i, i + 200);
        await db
          .insertInto('pending_jobs')
          .values(part.map((e) => ({ job_id: e.jobId, project_id: e.projectId, protected: b(e.protected), tag_count: e.tags.length, features: e.features })))
          .execute();
      }
      const tags = entries.flatMap((e) => [...new Set(e.tags)].map((tag) => ({ job_id: e.jobId, tag })));
      for (let i = 0; i < tags.length; i += 300) await db.insertInto('pending_job_tags').values(tags.slice(i, i + 300)).execute();
    },
    async dequeue(jobId) {
      await db.deleteFrom('pending_jobs').where('job_id', '=', jobId).execute();
      await db.deleteFrom('pending_job_tags').where('job_id', '=', jobId).execute();
    },
    async claim(m, a) {
      const cond = matchCondition(m);
      const cap = a.maximumTimeout ?? 2147483647;
      const capped = sql`(CASE WHEN timeout > ${cap} THEN ${cap} ELSE timeout END)`;
      // deadline = startedAt + effective timeout, as the same ISO-8601 text the engine writes
      const deadline =
        dialect === 'postgres'
          ? sql`to_char((${a.startedAt}::timestamptz + ${capped} * interval '1 second') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
          : sql`strftime('%Y-%m-%dT%H:%M:%fZ', ${a.startedAt}, '+' || ${capped} || ' seconds')`;
      const set = sql`status = 'running', runner_id = ${a.runnerId}, system_id = ${a.systemId},
        token_hash = ${a.tokenHash}, started_at = ${a.startedAt}, last_activity_at = ${a.startedAt},
        timeout = ${capped}, deadline_at = ${deadline}`;
      if (dialect === 'postgres') {
        const r = await sql<Selectable<JobsTable>>`
          WITH picked AS (
            DELETE FROM pending_jobs WHERE job_id = (
              SELECT p.job_id FROM pending_jobs p WHERE ${cond} ORDER BY p.job_id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING job_id),
          untag AS (DELETE FROM pending_job_tags WHERE job_id IN (SELECT job_id FROM picked))
          UPDATE jobs SET ${set} FROM picked WHERE jobs.id = picked.job_id AND jobs.status = 'pending'
          RETURNING jobs.*`.execute(db);
        const row = r.rows[0];
        return row ? toJob(row) : null;
      }
      // SQLite: the trigger jobs_left_pending (migration 2) removes the pending row in the same statement
      const r = await sql<Selectable<JobsTable>>`
        UPDATE jobs SET ${set}
        WHERE id = (SELECT p.job_id FROM pending_jobs p WHERE ${cond} ORDER BY p.job_id LIMIT 1) AND status = 'pending'
        RETURNING *`.execute(db);
      const row = r.rows[0];
      return row ? toJob(row) : null;
    },
    async list(limit) {
      const rows = await db.selectFrom('pending_jobs').selectAll().orderBy('job_id').limit(limit).execute();
      if (!rows.length) return [];
      const ids = rows.map((r) => num(r.job_id));
      const tags = await db.selectFrom('pending_job_tags').selectAll().where('job_id', 'in', ids).execute();
      const byJob = new Map<number, string[]>();
      for (const t of tags) {
        const list = byJob.get(num(t.job_id)) ?? [];
        list.push(t.tag);
        byJob.set(num(t.job_id), list);
      }
      return rows.map(
        (r): PendingEntry => ({
          jobId: num(r.job_id),
          projectId: num(r.project_id),
          protected: !!r.protected,
          tags: byJob.get(num(r.job_id)) ?? [],
          features: r.features,
        }),
      );
    },
  };
  return port;
}
