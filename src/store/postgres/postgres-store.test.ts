import { describe, test } from 'vitest';
import { describeStoreContract } from '../store-contract.test-suite.js';
import { createPgDatabase, requirePostgres } from '../test-support/pg-database.js';
import { openPostgresStore } from './open-postgres.js';

if (await requirePostgres('store contract (postgres)')) {
  describeStoreContract('postgres', async () => {
    const db = await createPgDatabase();
    return { open: () => openPostgresStore({ url: db.url }), dispose: () => db.drop() };
  });
} else {
  describe.skip('store contract: postgres (PostgreSQL not reachable)', () => test('skipped', () => {}));
}
