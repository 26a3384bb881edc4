// TokensPort (settings and API/access tokens) and UsersPort over kysely. Tokens are stored only as
// their SHA-256 hash; scopes as a JSON array.
import type { Kysely, Selectable } from 'kysely';
import type { ApiToken, TokenScope, User } from '../../engine/model.js';
import type { TokensPort, UsersPort } from '../ports.js';
import { b, num } from './rows.js';
import type { ApiTokensTable, Database, UsersTable } from './schema.js';

function parseScopes(text: string): TokenScope[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? (v.filter((x) => typeof x === 'string') as TokenScope[]) : [];
  } catch {
    return [];
  }
}

const toApiToken = (r: Selectable<ApiTokensTable>): ApiToken => ({
  id: num(r.id),
  name: r.name,
  scope: r.scope as ApiToken['scope'],
  createdAt: r.created_at,
  userId: r.user_id === null ? null : num(r.user_id),
  scopes: parseScopes(r.scopes),
  projectId: r.project_id === null ? null : num(r.project_id),
  accessLevel: r.access_level === null ? null : num(r.access_level),
  expiresAt: r.expires_at,
  revoked: !!num(r.revoked),
});

const toUser = (r: Selectable<UsersTable>): User => ({
  id: num(r.id),
  username: r.username,
  name: r.name,
  email: r.email,
  isAdmin: !!num(r.is_admin),
  bot: !!num(r.bot),
  state: r.state === 'blocked' ? 'blocked' : 'active',
  createdAt: r.created_at,
});

export function tokensPort(db: Kysely<Database>): TokensPort {
  return {
    async getSetting(key) {
      const r = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
      return r ? r.value : null;
    },
    async setSetting(key, value) {
      await db
        .insertInto('settings')
        .values({ key, value })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
        .execute();
    },
    async insertApiToken(t) {
      const r = await db
        .insertInto('api_tokens')
        .values({
          name: t.name,
          scope: t.scope,
          token_hash: t.tokenHash,
          created_at: t.createdAt,
          user_id: t.userId ?? null,
          scopes: JSON.stringify(t.scopes ?? ['api']),
          project_id: t.projectId ?? null,
          access_level: t.accessLevel ?? null,
          expires_at: t.expiresAt ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toApiToken(r);
    },
    async apiTokenByHash(hash) {
      const r = await db.selectFrom('api_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
      return r ? toApiToken(r) : null;
    },
    async apiTokenById(id) {
      const r = await db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toApiToken(r) : null;
    },
    async listApiTokens(filter) {
      let q = db.selectFrom('api_tokens').selectAll();
      if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
      if (filter.projectId === null) q = q.where('project_id', 'is', null);
      else if (filter.projectId !== undefined) q = q.where('project_id', '=', filter.projectId);
      return (await q.orderBy('id').execute()).map(toApiToken);
    },
    async revokeApiToken(id) {
      const r = await db.updateTable('api_tokens').set({ revoked: 1 }).where('id', '=', id).where('revoked', '=', 0).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async hasApiToken(scope) {
      const r = await db.selectFrom('api_tokens').select('id').where('scope', '=', scope).where('revoked', '=', 0).limit(1).executeTakeFirst();
      return !!r;
    },
  };
}

export function usersPort(db: Kysely<Database>): UsersPort {
  return {
    async insert(u) {
      const r = await db
        .insertInto('users')
        .values({ username: u.username, name: u.name, email: u.email, is_admin: b(u.isAdmin), bot: b(u.bot), state: u.state, created_at: u.createdAt })
        .onConflict((oc) => oc.column('username').doNothing())
        .returningAll()
        .executeTakeFirst();
      return r ? toUser(r) : null;
    },
    async byId(id) {
      const r = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toUser(r) : null;
    },
    async byUsername(username) {
      const r = await db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
      return r ? toUser(r) : null;
    },
    async list(q) {
      let query = db.selectFrom('users').selectAll();
      if (q.username !== undefined) query = query.where('username', '=', q.username);
      if (q.bots !== undefined) query = query.where('bot', '=', b(q.bots));
      if (q.search) {
        const like = `%${q.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        query = query.where((eb) =>
          eb.or([
            eb(eb.fn('lower', ['username']), 'like', like),
            eb(eb.fn('lower', ['name']), 'like', like),
            eb(eb.fn('lower', ['email']), 'like', like),
          ]),
        );
      }
      return (await query.orderBy('id').execute()).map(toUser);
    },
    async firstAdmin() {
      const r = await db.selectFrom('users').selectAll().where('is_admin', '=', 1).orderBy('id').limit(1).executeTakeFirst();
      return r ? toUser(r) : null;
    },
  };
}
