// Several OS processes on one SQLite file: migrations applied once, claims never doubled.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { newJob, seedPipeline } from '../store-contract.test-suite.js';
import { openSqliteStore } from './open-sqlite.js';

const run = promisify(execFile);
const child = fileURLToPath(new URL('../test-support/sqlite-child.ts', import.meta.url));
const spawnChild = (...args: string[]) => run(process.execPath, ['--import', 'tsx', child, ...args], { cwd: process.cwd(), maxBuffer: 16 * 1024 * 1024 });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-mp-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

test('three processes migrating a fresh file at once, then three processes claiming 1,500 jobs', async () => {
  const file = path.join(dir, 'db.sqlite');
  await Promise.all([spawnChild('migrate', file), spawnChild('migrate', file), spawnChild('migrate', file)]);
  const store = await openSqliteStore({ path: file });
  try {
    const { project, pipeline } = await seedPipeline(store, 'mp/x');
    await store.transaction(async (tx) => {
      const jobs = await tx.jobs.insertMany(Array.from({ length: 1500 }, (_, i) => newJob(pipeline.id, project.id, `j${i}`, { status: 'pending' })));
      await tx.queue.enqueueMany(jobs.map((j) => ({ jobId: j.id, projectId: project.id, protected: false, tags: [], features: 0 })));
    });
  } finally {
    await store.close();
  }
  const outs = await Promise.all([spawnChild('claim', file, '10'), spawnChild('claim', file, '10'), spawnChild('claim', file, '10')]);
  const ids = outs.flatMap((o) => JSON.parse(o.stdout) as number[]);
  expect(ids.length).toBe(1500);
  expect(new Set(ids).size).toBe(1500);
});
