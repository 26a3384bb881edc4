// Encryption at rest, part of the store contract (run by sqlite/sqlite-store.test.ts and
// postgres/postgres-store.test.ts): the secret columns hold no plaintext in the raw rows, the
// ports give plaintext back, plaintext rows of an older version are encrypted at open, and a
// wrong or missing key fails clearly (at open, or on reading a value sealed with another key).
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import type { Store } from './ports.js';
import { newJob, seedPipeline } from './store-contract.test-suite.js';

export interface SecretsContractDatabase {
  /** `secretKey` undefined: a store without encryption (what versions before it wrote). */
  open(opts: { secretKey?: Buffer }): Promise<Store>;
  /** One SQL statement on the raw database, no parameters; the rows it returns. */
  raw(statement: string): Promise<Record<string, unknown>[]>;
  dispose(): Promise<void>;
}

/** The key the main contract suite runs with, so that every contract test goes through it. */
export const CONTRACT_KEY = Buffer.alloc(32, 7);

const SECRETS = ['pipeline-secret-1', 'masked-secret-2', 'instance-secret-3', 'play-secret-4', 'dotenv-secret-5'];

async function writeSecrets(store: Store, path: string) {
  const { project, pipeline } = await seedPipeline(store, path);
  await store.pipelines.insert({ ...pipeline, iid: 2, variables: [{ key: 'PV', value: SECRETS[0] }] });
  await store.variables.upsert({ projectId: project.id, key: 'TOKEN', value: SECRETS[1], masked: true, protected: true, file: false, raw: false });
  await store.variables.upsert({ projectId: null, key: 'INST', value: SECRETS[2], masked: true, protected: false, file: false, raw: false });
  const [job] = await store.jobs.insertMany([newJob(pipeline.id, project.id, 'deploy', { playVariables: [{ key: 'PLAY', value: SECRETS[3] }] })]);
  await store.artifacts.setDotenv(job.id, [{ key: 'DOT', value: SECRETS[4] }]);
  return { project, job };
}

async function readSecrets(store: Store, projectId: number, jobId: number): Promise<string[]> {
  const pipelines = await store.pipelines.list({ projectId });
  const job = await store.jobs.byId(jobId);
  return [
    ...pipelines.flatMap((p) => p.variables.map((v) => v.value)),
    ...(await store.variables.list(projectId)).map((v) => v.value),
    ...(await store.variables.list(null)).map((v) => v.value),
    ...job!.playVariables.map((v) => v.value),
    ...(await store.artifacts.dotenv([jobId])).get(jobId)!.map((v) => v.value),
  ].filter((v) => v !== '1');
}

/** Every row of the tables that hold secrets, as text. */
async function rawDump(db: SecretsContractDatabase): Promise<string> {
  const out: unknown[] = [];
  for (const table of ['ci_variables', 'pipelines', 'jobs', 'job_dotenv', 'settings']) out.push(...(await db.raw(`SELECT * FROM ${table} ORDER BY 1, 2`)));
  return JSON.stringify(out);
}

export function describeSecretsContract(name: string, fresh: () => Promise<SecretsContractDatabase>): void {
  describe(`store contract, secrets at rest: ${name}`, () => {
    test('secret values are encrypted in the raw rows; the ports give plaintext', async () => {
      const db = await fresh();
      const key = randomBytes(32);
      try {
        const store = await db.open({ secretKey: key });
        const { project, job } = await writeSecrets(store, 's/enc');
        expect((await readSecrets(store, project.id, job.id)).sort()).toEqual([...SECRETS].sort());
        await store.close();

        const dump = await rawDump(db);
        for (const s of SECRETS) expect(dump).not.toContain(s);
        const [v] = await db.raw(`SELECT value FROM ci_variables WHERE key = 'TOKEN'`);
        expect(String(v.value)).toMatch(/^gcdenc:v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
        console.log(`[secrets] ${name}: ${SECRETS.length} secret values written, none in the raw rows; ci_variables.value = ${String(v.value).slice(0, 24)}…`);

        // same key again: readable (the sweep at open leaves sealed values alone)
        const again = await db.open({ secretKey: key });
        expect((await readSecrets(again, project.id, job.id)).sort()).toEqual([...SECRETS].sort());
        await again.close();

        // another key, or none: the open fails and says why
        await expect(db.open({ secretKey: randomBytes(32) })).rejects.toThrow(/encrypted with the secret key [0-9a-f]{16}, but the key given is [0-9a-f]{16}/);
        await expect(db.open({})).rejects.toThrow(/encrypted with the secret key [0-9a-f]{16}, and no secret key was given/);
      } finally {
        await db.dispose();
      }
    });

    test('a value sealed with another key fails on read with a clear error, not garbage', async () => {
      const [a, b] = [await fresh(), await fresh()];
      try {
        const sa = await a.open({ secretKey: randomBytes(32) });
        const { project, job } = await writeSecrets(sa, 's/a');
        const sb = await b.open({ secretKey: randomBytes(32) });
        await writeSecrets(sb, 's/b');
        await sb.close();
        const [foreign] = await b.raw(`SELECT value FROM ci_variables WHERE key = 'TOKEN'`);
        await a.raw(`UPDATE ci_variables SET value = '${String(foreign.value)}' WHERE key = 'TOKEN'`);
        await expect(sa.variables.list(project.id)).rejects.toThrow(/ci_variables\.value: cannot decrypt a stored value with the secret key [0-9a-f]{16}/);
        // a sealed value moved to another column does not decrypt either (the column is bound in)
        const [own] = await a.raw(`SELECT value FROM ci_variables WHERE key = 'INST'`);
        await a.raw(`UPDATE job_dotenv SET value = '${String(own.value)}'`);
        await expect(sa.artifacts.dotenv([job.id])).rejects.toThrow(/job_dotenv\.value: cannot decrypt/);
        await sa.close();
      } finally {
        await a.dispose();
        await b.dispose();
      }
    });

    test('plaintext rows written without encryption are encrypted at the first open with a key', async () => {
      const db = await fresh();
      const key = randomBytes(32);
      try {
        const legacy = await db.open({});
        const { project, job } = await writeSecrets(legacy, 's/legacy');
        await legacy.close();
        const before = await rawDump(db);
        expect(SECRETS.filter((s) => before.includes(s))).toEqual(SECRETS);

        const store = await db.open({ secretKey: key });
        const after = await rawDump(db);
        expect(SECRETS.filter((s) => after.includes(s))).toEqual([]);
        expect((await readSecrets(store, project.id, job.id)).sort()).toEqual([...SECRETS].sort());
        await store.close();
        // idempotent: a second open changes nothing and reads the same
        const again = await db.open({ secretKey: key });
        expect(await rawDump(db)).toBe(after);
        expect((await readSecrets(again, project.id, job.id)).sort()).toEqual([...SECRETS].sort());
        await again.close();
        console.log(`[secrets] ${name}: ${SECRETS.length} plaintext values of a store without a key encrypted at the first open with one`);
      } finally {
        await db.dispose();
      }
    });
  });
}
