// Shared by the client tests of triggers, schedules and hooks: a real server (SQLite, port 0 on
// 127.0.0.1, a short scheduler tick), root's admin token, a hosted project whose rules tell the
// pipeline sources apart, and a webhook receiver on 127.0.0.1.
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Project } from '../../src/engine/model.js';
import { loadServerConfig } from '../../src/server/config.js';
import { createServer, type DispatcherServer } from '../../src/server/create-server.js';
import { hostProject } from '../../src/server/test-support/hosted-project.js';

export const CI = `
on-trigger:
  rules: [{ if: '$CI_PIPELINE_SOURCE == "trigger"' }]
  script: [echo "trigger $DEPLOY_TO"]
on-schedule:
  rules: [{ if: '$CI_PIPELINE_SOURCE == "schedule"' }]
  script: [echo "schedule $NIGHTLY"]
build:
  script: [echo build]
`;

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface AutomationHarness {
  server: DispatcherServer;
  url: string;
  token: string;
  project: Project;
  hookUrl: string;
  received: Received[];
  jobNames(pipelineId: number): Promise<string[]>;
  close(): Promise<void>;
}

export async function startAutomationHarness(projectPath: string): Promise<AutomationHarness> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'gcd-rest-auto-'));
  const server = await createServer(loadServerConfig({ flags: { dataDir: path.join(work, 'data'), host: '127.0.0.1', port: 0, logLevel: 'silent', webRoot: null } }), {
    automation: { scheduleTickMs: 500, hookPollMs: 200, hookRetryDelaysMs: [200, 500] },
  });
  const url = await server.start();
  const { token } = await server.coordinator.createApiToken('admin', 'admin');
  const { project } = await hostProject(server, projectPath, { '.gitlab-ci.yml': CI });
  const received: Received[] = [];
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  return {
    server,
    url,
    token,
    project,
    hookUrl: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`,
    received,
    jobNames: async (id) => (await server.coordinator.read.pipeline(id))!.jobs.map((j) => j.name).sort(),
    async close() {
      await server.close();
      await new Promise((r) => receiver.close(r));
      await rm(work, { recursive: true, force: true });
    },
  };
}
