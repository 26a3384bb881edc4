// Pipeline schedules and webhook deliveries on two server nodes sharing one real PostgreSQL
// database (and one data directory, the shared volume of a scale-out setup): both schedulers tick
// every 20 ms, yet each due run fires exactly one pipeline; both delivery loops poll the same
// queue, yet each event reaches the receiver once.
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
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
      const node = await createServer(config, { automation: { scheduleTickMs: 20, hookPollMs: 20 } });
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

  test('webhook deliveries: both nodes poll one queue, each event is delivered once', async () => {
    const seen = new Map<string, number>();
    const receiver = http.createServer((req, res) => {
      const uuid = String(req.headers['x-gitlab-event-uuid']);
      seen.set(uuid, (seen.get(uuid) ?? 0) + 1);
      req.resume();
      req.on('end', () => setTimeout(() => res.writeHead(200).end(), 30));
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const { project } = await hostProject(nodes[0], 'hooks/pg', { '.gitlab-ci.yml': 'a:\n  script: [echo a]\nb:\n  script: [echo b]\n' });
      const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/`;
      for (let i = 0; i < 3; i++) await nodes[0].automation.automation.hooks.create(project.id, { url, token: null, pushEvents: false, pipelineEvents: true, jobEvents: true, enableSslVerification: true });
      for (let i = 0; i < 4; i++) await nodes[i % 2].automation.pipelineForRef({ project, ref: 'main', source: 'api' });
      const hooks = await nodes[1].automation.automation.hooks.list(project.id);
      const logs = async () => (await Promise.all(hooks.map((h) => nodes[1].automation.automation.hooks.deliveries(project.id, h.id, { limit: 500 })))).flat();
      await eventually(async () => {
        const all = await logs();
        return all.length > 0 && all.every((d) => d.status === 'delivered');
      }, 20_000, 'every delivery delivered');
      const all = await logs();
      expect(all.length).toBeGreaterThanOrEqual(3 * 4 * 2);
      expect(seen.size).toBe(all.length);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
      expect(all.every((d) => d.attempts === 1)).toBe(true);
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });
});
