// Triggers, schedules and webhooks over a real in-process server (SQLite, real git repository,
// real HTTP receiver on 127.0.0.1): the pipeline source reaches rules, a schedule that missed
// runs fires once, webhook deliveries are retried with back-off and logged, and a delivery queued
// before a restart is delivered after it.
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openSqliteStore } from '../store/sqlite/open-sqlite.js';
import { loadServerConfig } from './config.js';
import { createServer, type DispatcherServer } from './create-server.js';
import { eventually, hostProject } from './test-support/hosted-project.js';
import { loadSecretKey } from './secret-key.js';

const CI = `
on-trigger:
  rules: [{ if: '$CI_PIPELINE_SOURCE == "trigger"' }]
  script: [echo "trigger $DEPLOY_TO"]
on-schedule:
  rules: [{ if: '$CI_PIPELINE_SOURCE == "schedule"' }]
  script: [echo "schedule $NIGHTLY"]
always:
  script: [echo always]
`;

interface Received {
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

describe('automation over a real server', () => {
  let work: string;
  let server: DispatcherServer;
  let receiver: http.Server;
  let receiverUrl: string;
  const received: Received[] = [];
  let failFirst = 0;

  const start = async () => {
    server = await createServer(loadServerConfig({ flags: { dataDir: path.join(work, 'data'), logLevel: 'silent', webRoot: null } }), {
      automation: { scheduleTickMs: 100, hookRetryDelaysMs: [100, 200], hookPollMs: 100 },
    });
    await server.start();
  };

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'gcd-auto-'));
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        if (failFirst > 0) {
          failFirst--;
          res.writeHead(500).end('not now');
          return;
        }
        received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    await start();
  });
  afterAll(async () => {
    await server?.close();
    await new Promise((r) => receiver?.close(r));
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('a trigger token creates a pipeline with source trigger and its variables; a bad token is refused', async () => {
    const { project } = await hostProject(server, 'auto/trig', { '.gitlab-ci.yml': CI });
    const { automation, pipelineForRef } = server.automation;
    const { token, trigger } = await automation.triggers.create(project.id, 'deploy', 'admin');
    expect(token.startsWith('glptt-')).toBe(true);
    expect(trigger.tokenPrefix).toBe(token.slice(0, 4));
    expect(await automation.triggers.authenticate(project.id, 'glptt-wrong')).toBeNull();
    expect(await automation.triggers.authenticate(project.id + 1, token)).toBeNull();
    expect(await automation.triggers.authenticate(project.id, token)).toMatchObject({ id: trigger.id });
    const result = await pipelineForRef({ project, ref: 'main', source: 'trigger', variables: [{ key: 'DEPLOY_TO', value: 'prod' }] });
    expect(result.detail!.pipeline).toMatchObject({ source: 'trigger', ref: 'main', isTag: false });
    expect(result.detail!.jobs.map((j) => j.name).sort()).toEqual(['always', 'on-trigger']);
    await expect(pipelineForRef({ project, ref: 'nope', source: 'trigger' })).rejects.toThrow('Reference not found');
  });

  test('a schedule that missed runs fires exactly one pipeline (source schedule, its variables) and moves to the next run', async () => {
    const { project } = await hostProject(server, 'auto/sched', { '.gitlab-ci.yml': CI });
    const { automation } = server.automation;
    const s = await automation.schedules.create(project.id, { description: 'nightly', ref: 'main', cron: '0 3 * * *', cronTimezone: 'Europe/Berlin' }, 'admin');
    expect(Date.parse(s.nextRunAt!)).toBeGreaterThan(Date.now());
    await automation.schedules.setVariable(project.id, s.id, { key: 'NIGHTLY', value: 'yes', variableType: 'env_var' }, 'create');
    // as if the server had been down for three days: next_run_at long past
    const other = await openSqliteStore({ path: path.join(work, 'data', 'dispatcher.db'), secretKey: loadSecretKey({ dataDir: path.join(work, 'data'), configured: null }).key });
    try {
      await other.schedules.update(s.id, { nextRunAt: new Date(Date.now() - 3 * 86_400_000).toISOString(), updatedAt: new Date().toISOString() });
    } finally {
      await other.close();
    }
    const fired = await eventually(async () => (await automation.schedules.get(project.id, s.id)).lastPipelineId, 10_000, 'the schedule to fire');
    await server.automation.scheduler!.tick();
    await server.automation.scheduler!.tick();
    const pipelines = (await server.coordinator.read.pipelines({ projectId: project.id })).filter((p) => p.source === 'schedule');
    expect(pipelines.map((p) => p.id)).toEqual([fired]);
    const detail = await server.coordinator.read.pipeline(fired);
    expect(detail!.jobs.map((j) => j.name).sort()).toEqual(['always', 'on-schedule']);
    expect(detail!.pipeline.variables).toEqual([{ key: 'NIGHTLY', value: 'yes' }]);
    const after = await automation.schedules.get(project.id, s.id);
    expect(Date.parse(after.nextRunAt!)).toBeGreaterThan(Date.now());
    // 03:00 in Berlin is 01:00 or 02:00 UTC
    expect(['01', '02']).toContain(after.nextRunAt!.slice(11, 13));
  });

  test('webhooks: pipeline and job events delivered with GitLab headers, retried after a 500, logged', async () => {
    const { project } = await hostProject(server, 'auto/hooks', { '.gitlab-ci.yml': 'only-job:\n  script: [echo hi]\n' });
    const { automation, pipelineForRef } = server.automation;
    const hook = await automation.hooks.create(project.id, { url: receiverUrl, token: 's3cret', pushEvents: false, pipelineEvents: true, jobEvents: true, enableSslVerification: true });
    failFirst = 1;
    const { detail } = await pipelineForRef({ project, ref: 'main', source: 'api' });
    const pipelineId = detail!.pipeline.id;
    const pipelineHook = await eventually(async () => received.find((r) => r.headers['x-gitlab-event'] === 'Pipeline Hook' && (r.body.object_attributes as { id: number }).id === pipelineId), 10_000, 'a pipeline hook');
    expect(pipelineHook.headers['x-gitlab-token']).toBe('s3cret');
    expect(pipelineHook.headers['x-gitlab-event-uuid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(pipelineHook.body).toMatchObject({ object_kind: 'pipeline', project: { id: project.id, path_with_namespace: 'auto/hooks' }, object_attributes: { ref: 'main', source: 'api' } });
    expect((pipelineHook.body.builds as { name: string }[]).map((b) => b.name)).toEqual(['only-job']);
    const jobHook = await eventually(async () => received.find((r) => r.headers['x-gitlab-event'] === 'Job Hook' && r.body.pipeline_id === pipelineId), 10_000, 'a job hook');
    expect(jobHook.body).toMatchObject({ object_kind: 'build', build_name: 'only-job', project_id: project.id });
    const log = await eventually(async () => {
      const all = await automation.hooks.deliveries(project.id, hook.id, { limit: 50 });
      return all.some((d) => d.attempts === 2 && d.status === 'delivered') ? all : null;
    }, 10_000, 'a delivery that succeeded on its second attempt');
    const retried = log.find((d) => d.attempts === 2)!;
    expect(retried).toMatchObject({ status: 'delivered', responseStatus: 200, responseBody: 'ok' });
    expect(retried.durationMs).toBeGreaterThanOrEqual(0);
  });

  test('a hook that never answers 2xx ends failed after its attempts; a delivery queued before a restart is delivered after it', async () => {
    const { project } = await hostProject(server, 'auto/restart', { '.gitlab-ci.yml': 'x:\n  script: [echo x]\n' });
    const { automation, pipelineForRef } = server.automation;
    const dead = await automation.hooks.create(project.id, { url: 'http://127.0.0.1:9/dead', token: null, pushEvents: false, pipelineEvents: true, jobEvents: false, enableSslVerification: true });
    await pipelineForRef({ project, ref: 'main', source: 'api' });
    const failed = await eventually(async () => (await automation.hooks.deliveries(project.id, dead.id, { limit: 10 })).find((d) => d.status === 'failed'), 10_000, 'a failed delivery');
    expect(failed.attempts).toBe(3);
    expect(failed.error).toBeTruthy();
    // queue a delivery, close before it can go out, start again: it is delivered
    const hook = await automation.hooks.create(project.id, { url: receiverUrl, token: null, pushEvents: false, pipelineEvents: true, jobEvents: false, enableSslVerification: true });
    const before = received.length;
    failFirst = 1000; // the receiver refuses while we restart
    const { detail } = await pipelineForRef({ project, ref: 'main', source: 'api' });
    await eventually(async () => (await automation.hooks.deliveries(project.id, hook.id, { limit: 10 })).length > 0, 10_000, 'a queued delivery');
    await server.close();
    failFirst = 0;
    await start();
    const got = await eventually(async () => received.slice(before).find((r) => (r.body.object_attributes as { id: number }).id === detail!.pipeline.id), 10_000, 'the delivery after the restart');
    expect(got.headers['x-gitlab-event']).toBe('Pipeline Hook');
  });
});
