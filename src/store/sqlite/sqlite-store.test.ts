import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describeStoreContract } from '../store-contract.test-suite.js';
import { openSqliteStore } from './open-sqlite.js';

describeStoreContract('sqlite', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-store-'));
  const file = path.join(dir, 'db.sqlite');
  return { open: () => openSqliteStore({ path: file }), dispose: () => rm(dir, { recursive: true, force: true }) };
});
