import pg from 'pg';
import { describe, test } from 'vitest';
import { describeStoreContract } from '../store-contract.test-suite.js';
import { describeAutomationContract } from '../automation-contract.test-suite.js';
import { CONTRACT_KEY, describeSecretsContract } from '../secrets-contract.test-suite.js';
import { createPgDatabase, requirePostgres } from '../test-support/pg-database.js';
import { openPostgresStore } from './open-postgres.js';

async function fresh() {
  const db = await createPgDatabase();
  return {
    open: (o?: { secretKey?: Buffer }) => openPostgresStore({ url: db.url, secretKey: o ? o.secretKey : CONTRACT_KEY }),
    async raw(statement: string) {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        return (await c.query(statement)).rows as Record<string, unknown>[];
      } finally {
        await c.end();
      }
    },
    dispose: () => db.drop(),
  };
}

if (await requirePostgres('store contract (postgres)')) {
  describeStoreContract('postgres', fresh);
  describeAutomationContract('postgres', fresh);
  describeSecretsContract('postgres', fresh);
} else {
  describe.skip('store contract: postgres (PostgreSQL not reachable)', () => test('skipped', () => {}));
}
