// The at-open step of encryption at rest (after the migrations, at every open):
// 1. key check: the settings row `secret_key_id` holds the fingerprint of the key the data is
//    encrypted with (written by the first open with a key). Another key, or no key for a database
//    that has one, fails the open with SecretKeyError: the store never hands out garbage.
// 2. sweep: plaintext values (written before encryption, or by an older node during a rolling
//    upgrade) are encrypted in place. ci_variables at every open (a small table); the large
//    tables (pipelines, jobs, job_dotenv) once, marked by the settings row `secrets_swept`.
//    Each update is conditional on the old value, so concurrent opens and writers are safe.
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import { isSealed, plainBox, secretBox, SecretKeyError, type SecretBox } from './secret-box.js';

const KEY_ID = 'secret_key_id';
const SWEPT = 'secrets_swept';
const BATCH = 500;

async function setting(db: Kysely<Database>, key: string): Promise<string | null> {
  const r = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
  return r?.value ?? null;
}

async function checkKey(db: Kysely<Database>, box: SecretBox | null): Promise<void> {
  let stored = await setting(db, KEY_ID);
  if (!box) {
    if (stored) throw new SecretKeyError(`the database holds values encrypted with the secret key ${stored}, and no secret key was given`);
    return;
  }
  if (!stored) {
    await db.insertInto('settings').values({ key: KEY_ID, value: box.keyId }).onConflict((oc) => oc.column('key').doNothing()).execute();
    stored = await setting(db, KEY_ID);
  }
  if (stored !== box.keyId)
    throw new SecretKeyError(`the database was encrypted with the secret key ${stored}, but the key given is ${box.keyId}`);
}

const notSealed = (column: string) => sql<boolean>`substr(${sql.ref(column)}, 1, 7) <> 'gcdenc:'`;

async function sweepVariables(db: Kysely<Database>, box: SecretBox): Promise<number> {
  const rows = await db.selectFrom('ci_variables').select(['id', 'value']).where(notSealed('value')).execute();
  for (const r of rows)
    await db.updateTable('ci_variables').set({ value: box.seal(r.value, 'ci_variables.value') }).where('id', '=', r.id).where('value', '=', r.value).execute();
  return rows.length;
}

/** JSON list columns keyed by `id`: pipelines.variables, jobs.play_variables. */
async function sweepList(db: Kysely<Database>, box: SecretBox, table: 'pipelines' | 'jobs', column: 'variables' | 'play_variables'): Promise<number> {
  let after = 0;
  let n = 0;
  for (;;) {
    const rows = (await sql<{ id: number; v: string }>`SELECT id, ${sql.ref(column)} AS v FROM ${sql.table(table)}
      WHERE id > ${after} AND ${sql.ref(column)} <> '[]' AND ${notSealed(column)} ORDER BY id LIMIT ${BATCH}`.execute(db)).rows;
    for (const r of rows) {
      if (isSealed(r.v)) continue;
      await sql`UPDATE ${sql.table(table)} SET ${sql.ref(column)} = ${box.seal(r.v, `${table}.${column}`)}
        WHERE id = ${r.id} AND ${sql.ref(column)} = ${r.v}`.execute(db);
    }
    n += rows.length;
    if (rows.length < BATCH) return n;
    after = Number(rows[rows.length - 1].id);
  }
}

async function sweepDotenv(db: Kysely<Database>, box: SecretBox): Promise<number> {
  const rows = await db.selectFrom('job_dotenv').select(['job_id', 'position', 'value']).where(notSealed('value')).execute();
  for (const r of rows)
    await db
      .updateTable('job_dotenv')
      .set({ value: box.seal(r.value, 'job_dotenv.value') })
      .where('job_id', '=', r.job_id)
      .where('position', '=', r.position)
      .where('value', '=', r.value)
      .execute();
  return rows.length;
}

/** Checks the key against the database, encrypts what is still plaintext; the box for the ports. */
export async function secretsAtRest(db: Kysely<Database>, secretKey: Buffer | undefined): Promise<SecretBox> {
  const box = secretKey ? secretBox(secretKey) : null;
  await checkKey(db, box);
  if (!box) return plainBox;
  await sweepVariables(db, box);
  if ((await setting(db, SWEPT)) !== 'v1') {
    await sweepList(db, box, 'pipelines', 'variables');
    await sweepList(db, box, 'jobs', 'play_variables');
    await sweepDotenv(db, box);
    await db.insertInto('settings').values({ key: SWEPT, value: 'v1' }).onConflict((oc) => oc.column('key').doNothing()).execute();
  }
  return box;
}
