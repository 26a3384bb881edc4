// RunnersPort over kysely (TokensPort and UsersPort: users-port.ts).
import type { Kysely, Updateable } from 'kysely';
import type { RunnersPort } from '../ports.js';
import { b, num, toManager, toRunner } from './rows.js';
import type { Database, RunnersTable } from './schema.js';

export function runnersPort(db: Kysely<Database>): RunnersPort {
  return {
    async insert(r) {
      const row = await db
        .insertInto('runners')
        .values({
          token_hash: r.tokenHash,
          token_kind: r.tokenKind,
          description: r.description,
          tags: JSON.stringify(r.tags),
          run_untagged: b(r.runUntagged),
          locked: b(r.locked),
          paused: b(r.paused),
          access_level: r.accessLevel,
          maximum_timeout: r.maximumTimeout,
          project_id: r.projectId,
          created_at: r.createdAt,
          contacted_at: r.contactedAt,
          token_expires_at: r.tokenExpiresAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRunner(row);
    },
    async byId(id) {
      const r = await db.selectFrom('runners').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toRunner(r) : null;
    },
    async byTokenHash(hash) {
      const r = await db.selectFrom('runners').selectAll().where('token_hash', '=', hash).executeTakeFirst();
      return r ? toRunner(r) : null;
    },
    async list() {
      return (await db.selectFrom('runners').selectAll().orderBy('id').execute()).map(toRunner);
    },
    async update(id, p) {
      const row: Updateable<RunnersTable> = {};
      if (p.tokenHash !== undefined) row.token_hash = p.tokenHash;
      if (p.tokenKind !== undefined) row.token_kind = p.tokenKind;
      if (p.description !== undefined) row.description = p.description;
      if (p.tags !== undefined) row.tags = JSON.stringify(p.tags);
      if (p.runUntagged !== undefined) row.run_untagged = b(p.runUntagged);
      if (p.locked !== undefined) row.locked = b(p.locked);
      if (p.paused !== undefined) row.paused = b(p.paused);
      if (p.accessLevel !== undefined) row.access_level = p.accessLevel;
      if (p.maximumTimeout !== undefined) row.maximum_timeout = p.maximumTimeout;
      if (p.projectId !== undefined) row.project_id = p.projectId;
      if (p.contactedAt !== undefined) row.contacted_at = p.contactedAt;
      if (p.tokenExpiresAt !== undefined) row.token_expires_at = p.tokenExpiresAt;
      if (Object.keys(row).length) await db.updateTable('runners').set(row).where('id', '=', id).execute();
      const r = await db.selectFrom('runners').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toRunner(r) : null;
    },
    async delete(id) {
      await db.deleteFrom('runner_managers').where('runner_id', '=', id).execute();
      await db.deleteFrom('runners').where('id', '=', id).execute();
    },
    async upsertManager(m) {
      const values = {
        runner_id: m.runnerId,
        system_id: m.systemId,
        name: m.name,
        version: m.version,
        revision: m.revision,
        platform: m.platform,
        architecture: m.architecture,
        executor: m.executor,
        shell: m.shell,
        features: JSON.stringify(m.features),
        contacted_at: m.contactedAt,
      };
      const { runner_id: _r, system_id: _s, ...rest } = values;
      await db
        .insertInto('runner_managers')
        .values(values)
        .onConflict((oc) => oc.columns(['runner_id', 'system_id']).doUpdateSet(rest))
        .execute();
    },
    async managers(runnerId) {
      let q = db.selectFrom('runner_managers').selectAll();
      if (runnerId !== undefined) q = q.where('runner_id', '=', runnerId);
      return (await q.orderBy('runner_id').orderBy('system_id').execute()).map(toManager);
    },
    async deleteManager(runnerId, systemId) {
      const r = await db.deleteFrom('runner_managers').where('runner_id', '=', runnerId).where('system_id', '=', systemId).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}
