// Pipeline schedules on two server nodes sharing one real PostgreSQL database (and one data
// directory, the shared volume of a scale-out setup): both schedulers tick every 20 ms, yet each
// due run fires exactly one pipeline.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openPostgresStore } from '../store/postgres/open-postgres.js';
import { createPgDatabase, requirePostgres, type PgDatabase } from '../store/test-support/pg-database.js';
import { loadServerConfig } from './config.js';
import { createServer, type DispatcherServer } from './create-server.js';
import { loadSecretKey } from './secret-key.js';
import { eventually, hostProject } from './test-support/hosted-project.js';

const enabled = await requirePostgres('pipeline schedules on two nodes (postgres)');

describe.skipIf(!enabled)('pipeline schedules on two nodes sharing PostgreSQL', () => {
  let work: string;
  let db: PgDatabase;
  const nodes: DispatcherServer[] = [];
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'gcd-sched-pg-'));
    db = await createPgDatabase();
    for (let i = 0; i < 2; i++) {
      const config = loadServerConfig({ flags: { dataDir: path.join(work, 'shared'), database: db.url, logLevel: 'silent', webRoot: null } });
      const node = await createServer(config, { automation: { scheduleTickMs: 20 } });
      await node.start();
      nodes.push(node);
    }
  });
  afterAll(async () => {
    for (const n of nodes) await n.close();
    await db?.drop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('every due run fires once, whichever node wins', async () => {
    const { project } = await hostProject(nodes[0], 'sched/pg', { '.gitlab-ci.yml': 'j:\n  script: [echo scheduled]\n' });
    const s = await nodes[0].automation.automation.schedules.create(project.id, { description: 'every day', ref: 'main', cron: '0 0 * * *' }, null);
    const direct = await openPostgresStore({ url: db.url, secretKey: loadSecretKey({ dataDir: path.join(work, 'shared'), configured: null }).key });
    const schedulePipelines = async () => (await nodes[1].coordinator.read.pipelines({ projectId: project.id })).filter((p) => p.source === 'schedule');
    try {
      for (let run = 1; run <= 5; run++) {
        await direct.schedules.update(s.id, { nextRunAt: new Date(Date.now() - 60_000).toISOString(), updatedAt: new Date().toISOString() });
        await eventually(async () => (await schedulePipelines()).length >= run, 15_000, `run ${run}`);
        await eventually(async () => Date.parse((await direct.schedules.byId(s.id))!.nextRunAt!) > Date.now(), 5_000, 'the next run');
      }
      await Promise.all(nodes.map((n) => n.automation.scheduler!.tick()));
      await new Promise((r) => setTimeout(r, 200));
      expect(await schedulePipelines()).toHaveLength(5);
      expect((await direct.schedules.byId(s.id))!.lastPipelineId).toBe((await schedulePipelines())[0].id);
    } finally {
      await direct.close();
    }
  });
});
