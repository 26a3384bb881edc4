// Child process for multi-process SQLite tests: `migrate <file>` opens (migrating) and closes;
// `claim <file> <claimers>` claims pending jobs until none is left and prints the ids as JSON.
import { openSqliteStore } from '../sqlite/open-sqlite.js';

const [mode, file, claimersArg] = process.argv.slice(2);
const store = await openSqliteStore({ path: file });
if (mode === 'claim') {
  const ids: number[] = [];
  const claimer = async (n: number) => {
    for (;;) {
      const j = await store.queue.claim(
        { runnerId: process.pid, tags: [], runUntagged: true, protectedOnly: false, projectId: null, features: 0xff },
        { runnerId: process.pid, systemId: `p${n}`, tokenHash: `${process.pid}-${n}-${Math.random()}`, startedAt: new Date().toISOString(), maximumTimeout: null, defaultTimeout: 3600 },
      );
      if (!j) return;
      ids.push(j.id);
    }
  };
  await Promise.all(Array.from({ length: Number(claimersArg ?? 10) }, (_, i) => claimer(i)));
  process.stdout.write(JSON.stringify(ids));
}
await store.close();
