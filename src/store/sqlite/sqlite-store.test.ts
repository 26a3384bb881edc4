import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { describeStoreContract } from '../store-contract.test-suite.js';
import { describeAutomationContract } from '../automation-contract.test-suite.js';
import { CONTRACT_KEY, describeSecretsContract } from '../secrets-contract.test-suite.js';
import { openSqliteStore } from './open-sqlite.js';

async function fresh() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-store-'));
  const file = path.join(dir, 'db.sqlite');
  return {
    open: (o?: { secretKey?: Buffer }) => openSqliteStore({ path: file, secretKey: o ? o.secretKey : CONTRACT_KEY }),
    async raw(statement: string) {
      const db = new Sqlite(file);
      try {
        const st = db.prepare(statement);
        return st.reader ? (st.all() as Record<string, unknown>[]) : (st.run(), []);
      } finally {
        db.close();
      }
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

describeStoreContract('sqlite', fresh);
describeAutomationContract('sqlite', fresh);
describeSecretsContract('sqlite', fresh);
