// A throwaway PostgreSQL database for one reliability test (gcd_rel_<random>), dropped afterwards.
// Creation, reachability and the skip/require rule (GCD_REQUIRE_POSTGRES=1) are the store's helper.
import { createPgDatabase, requirePostgres, type PgDatabase } from '../../src/store/test-support/pg-database.js';

export { requirePostgres };

export type ThrowawayDatabase = PgDatabase;

export const createThrowawayDatabase = (prefix = 'gcd_rel'): Promise<ThrowawayDatabase> => createPgDatabase(prefix);
