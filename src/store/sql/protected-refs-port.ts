// ProtectedRefsPort over kysely: one row per protected branch or tag rule of a project.
import type { Kysely } from 'kysely';
import type { ProtectedRefsPort } from '../ports.js';
import { toProtectedRef } from './rows.js';
import type { Database } from './schema.js';

export function protectedRefsPort(db: Kysely<Database>): ProtectedRefsPort {
  return {
    async insert(r) {
      const row = await db
        .insertInto('protected_refs')
        .values({ project_id: r.projectId, kind: r.kind, name: r.name, created_at: r.createdAt })
        .onConflict((oc) => oc.columns(['project_id', 'kind', 'name']).doNothing())
        .returningAll()
        .executeTakeFirst();
      return row ? toProtectedRef(row) : null;
    },
    async delete(projectId, kind, name) {
      const rows = await db
        .deleteFrom('protected_refs')
        .where('project_id', '=', projectId)
        .where('kind', '=', kind)
        .where('name', '=', name)
        .returning('id')
        .execute();
      return rows.length > 0;
    },
    async list(projectId) {
      const rows = await db.selectFrom('protected_refs').selectAll().where('project_id', '=', projectId).orderBy('id').execute();
      return rows.map(toProtectedRef);
    },
  };
}
