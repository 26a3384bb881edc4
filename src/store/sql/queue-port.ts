// QueuePort: the pending-jobs table (what matching needs, like GitLab's ci_pending_builds) and the
// atomic claim. A claim is ONE statement: the oldest matching pending job flips to `running` only
// if it is still `pending`, so two claimers can never both get it.
//   SQLite:     UPDATE jobs ... WHERE id = (SELECT ... LIMIT 1) AND status = 'pending' RETURNING *
//               (a trigger drops the pending row)
//   PostgreSQL: WITH cand AS (the N oldest matching pending rows FOR UPDATE SKIP LOCKED, numbered),
//               picked AS (DELETE them) UPDATE jobs ... FROM cand JOIN requesters ON number
//               RETURNING jobs.* -- one statement claims for N concurrent requesters of one runner
//               class (claim-batcher.ts); the i-th oldest job goes to the i-th requester.
import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import type { Job } from '../../engine/model.js';
import { FEATURE_BITS, type ClaimAssign, type PendingEntry, type QueuePort, type RunnerMatch } from '../ports.js';
import { claimBatcher } from './claim-batcher.js';
import { runPrepared } from './prepared.js';
import { b, num, toJob } from './rows.js';
import type { Database, JobsTable } from './schema.js';
import type { SecretBox } from './secret-box.js';

const ALL_FEATURES = Object.values(FEATURE_BITS).reduce((a, x) => a | x, 0);

/** The values a match puts in its SQL (placeholders of them in a prepared shape). */
interface MatchValues {
  features: unknown;
  tags: unknown[];
  projectId: unknown;
}

function matchCondition(m: RunnerMatch, v: MatchValues = { features: m.features, tags: m.tags, projectId: m.projectId }): RawBuilder<unknown> {
  // conditions that are always true are left out: they only blur the planner's row estimates
  const parts: RawBuilder<unknown>[] = [sql`1 = 1`];
  if ((m.features & ALL_FEATURES) !== ALL_FEATURES) parts.push(sql`(p.features | ${v.features}) = ${v.features}`);
  if (m.tags.length === 0) parts.push(sql`p.tag_count = 0`);
  else
    parts.push(
      sql`NOT EXISTS (SELECT 1 FROM pending_job_tags t WHERE t.job_id = p.job_id AND t.tag NOT IN (${sql.join(v.tags)}))`,
    );
  if (!m.runUntagged) parts.push(sql`p.tag_count > 0`);
  if (m.protectedOnly) parts.push(sql`p.protected = 1`);
  if (m.projectId !== null) parts.push(sql`p.project_id = ${v.projectId}`);
  return sql.join(parts, sql` AND `);
}

/** What decides the SQL text of a match (its values aside). */
function matchShape(m: RunnerMatch): string {
  return [(m.features & ALL_FEATURES) === ALL_FEATURES, m.tags.length, m.runUntagged, m.protectedOnly, m.projectId === null].join(':');
}

/**
 * Claims per statement. 20 drains a 200-requester burst as fast as 50 or 100 did (the statement is
 * no longer the bottleneck), holds fewer row locks at once, and keeps LIMIT below what the planner
 * guesses for a never-analysed 10k-row pending_jobs (54 rows), so it still walks the ordered index.
 */
const MAX_BATCH = 20;
const INT_MAX = 2147483647;

type JobRow = Selectable<JobsTable>;

function classKey(m: RunnerMatch): string {
  return JSON.stringify([m.tags, m.runUntagged, m.protectedOnly, m.projectId, m.features]);
}

/** PostgreSQL deadlock / serialization failure: nothing was written, the statement can run again. */
function retryable(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return code === '40P01' || code === '40001';
}

/**
 * PostgreSQL: the claims of `assigns` (one runner class) in ONE statement; row i belongs to
 * assigns[i]. The i-th oldest free matching job goes to the i-th caller; a caller gets null when no
 * job is left for it. `cand` is referenced twice, so PostgreSQL computes it once: the rows locked,
 * deleted and assigned are the same. `retry`: run again after a deadlock (not inside a transaction,
 * which the error has aborted).
 */
async function claimMany(db: Kysely<Database>, m: RunnerMatch, assigns: ClaimAssign[], retry: boolean): Promise<(JobRow | null)[]> {
  const col = <T>(f: (a: ClaimAssign) => T) => assigns.map(f);
  const capped = sql`LEAST(jobs.timeout, req.cap)`;
  const statement = sql<JobRow & { claim_ord: string | number }>`
    WITH req AS (
      SELECT * FROM unnest(${col((a) => a.runnerId)}::integer[], ${col((a) => a.systemId)}::text[],
        ${col((a) => a.tokenHash)}::text[], ${col((a) => a.startedAt)}::text[], ${col((a) => a.maximumTimeout ?? INT_MAX)}::integer[])
        WITH ORDINALITY AS r(runner_id, system_id, token_hash, started_at, cap, ord)),
    cand AS (
      SELECT s.job_id, row_number() OVER (ORDER BY s.job_id) AS ord FROM (
        SELECT p.job_id FROM pending_jobs p WHERE ${matchCondition(m)} ORDER BY p.job_id LIMIT ${assigns.length} FOR UPDATE SKIP LOCKED) s),
    picked AS (DELETE FROM pending_jobs WHERE job_id IN (SELECT job_id FROM cand) RETURNING job_id),
    untag AS (DELETE FROM pending_job_tags WHERE job_id IN (SELECT job_id FROM picked))
    UPDATE jobs SET status = 'running', runner_id = req.runner_id, system_id = req.system_id, token_hash = req.token_hash,
      started_at = req.started_at, last_activity_at = req.started_at, timeout = ${capped},
      deadline_at = to_char((req.started_at::timestamptz + ${capped} * interval '1 second') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    FROM cand JOIN req ON req.ord = cand.ord
    WHERE jobs.id = cand.job_id AND jobs.status = 'pending'
    RETURNING jobs.*, req.ord AS claim_ord`;
  for (let attempt = 1; ; attempt++) {
    try {
      const out: (JobRow | null)[] = assigns.map(() => null);
      for (const row of (await statement.execute(db)).rows) out[num(row.claim_ord) - 1] = row;
      return out;
    } catch (e) {
      // e.g. a deadlock with a transaction that cancels these jobs: the statement was rolled back
      if (!retry || attempt >= 3 || !retryable(e)) throw e;
    }
  }
}

export function queuePort(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', box: SecretBox): QueuePort {
  const toJobOrNull = (row: JobRow | null): Job | null => (row ? toJob(row, box) : null);
  // inside a transaction a claim stays alone: batching would mix callers of different transactions
  const batched = dialect === 'postgres' && !db.isTransaction ? claimBatcher({ max: MAX_BATCH, run: (m: RunnerMatch, as: ClaimAssign[]) => claimMany(db, m, as, true) }) : null;
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
        const values = part.flatMap((e) => [e.jobId, e.projectId, b(e.protected), e.tags.length, e.features]);
        await runPrepared(db, `queue.enqueue:${part.length}`, [values], (p) => {
          const v = p.list(0, values.length);
          return db
            .insertInto('pending_jobs')
            .values(part.map((_, k) => ({ job_id: v[5 * k], project_id: v[5 * k + 1], protected: v[5 * k + 2], tag_count: v[5 * k + 3], features: v[5 * k + 4] })));
        });
      }
      const tags = entries.flatMap((e) => [...new Set(e.tags)].map((tag) => ({ job_id: e.jobId, tag })));
      for (let i = 0; i < tags.length; i += 300) await db.insertInto('pending_job_tags').values(tags.slice(i, i + 300)).execute();
    },
    async dequeue(jobId) {
      await db.deleteFrom('pending_jobs').where('job_id', '=', jobId).execute();
      await db.deleteFrom('pending_job_tags').where('job_id', '=', jobId).execute();
    },
    async claim(m, a) {
      // each caller maps its own row: a row that cannot be read fails its caller only
      if (batched) return toJobOrNull(await batched(classKey(m), m, a));
      if (dialect === 'postgres') return a.signal?.aborted ? null : toJobOrNull((await claimMany(db, m, [a], false))[0]);
      if (a.signal?.aborted) return null;
      // SQLite: the trigger jobs_left_pending (migration 2) removes the pending row in the same statement
      const args = [m.features, m.tags, m.projectId, a.runnerId, a.systemId, a.tokenHash, a.startedAt, a.maximumTimeout ?? INT_MAX];
      const [row] = await runPrepared<Selectable<JobsTable>>(db, `queue.claim:${matchShape(m)}`, args, (p) => {
        const cap = p(7);
        const startedAt = p(6);
        const capped = sql`(CASE WHEN timeout > ${cap} THEN ${cap} ELSE timeout END)`;
        // deadline = startedAt + effective timeout, as the same ISO-8601 text the engine writes
        const deadline = sql`strftime('%Y-%m-%dT%H:%M:%fZ', ${startedAt}, '+' || ${capped} || ' seconds')`;
        const match = matchCondition(m, { features: p(0), tags: p.list(1, m.tags.length), projectId: p(2) });
        const statement = sql<Selectable<JobsTable>>`
          UPDATE jobs SET status = 'running', runner_id = ${p(3)}, system_id = ${p(4)},
            token_hash = ${p(5)}, started_at = ${startedAt}, last_activity_at = ${startedAt},
            timeout = ${capped}, deadline_at = ${deadline}
          WHERE id = (SELECT p.job_id FROM pending_jobs p WHERE ${match} ORDER BY p.job_id LIMIT 1) AND status = 'pending'
          RETURNING *`;
        return { compile: () => statement.compile(db) };
      });
      return toJobOrNull(row ?? null);
    },
    async count() {
      const r = await db.selectFrom('pending_jobs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return num(r.n);
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
