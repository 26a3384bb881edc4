// Fault: a `.gitlab-ci.yml` whose trigger job includes the file itself (a child pipeline that
// creates a child pipeline that…). Against a real `serve` process (SQLite) with no runner:
//   1. the root is created and the dispatcher is killed (SIGKILL) at once, then restarted: the
//      bridge worker resumes, and the tree still stops at root + child + grandchild, the
//      grandchild's trigger job failed with failure_reason reached_max_descendant_pipelines_depth
//      and "reached maximum depth of child pipelines" in its log;
//   2. the number of pipelines stays there;
//   3. cancelling the root ends every pipeline canceled/failed, no job left unfinished;
//   4. after a clean restart and after a kill -9 restart, no pipeline appears and none changes.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { createPipelineFromDir, freePort, getPipeline, startServe, type PipelineDetailView, type ServeProcess } from '../support/dispatcher-process.js';

const CONFIG = `
build:
  script: [echo build]
again:
  needs: []
  trigger:
    include: .gitlab-ci.yml
`;
const PROJECT = 'faults/child-loop';
const FINISHED = new Set(['success', 'failed', 'canceled', 'skipped']);

interface PipelineRow {
  id: number;
  status: string;
  parentPipelineId: number | null;
}

async function get<T>(url: string, token: string, route: string, method = 'GET'): Promise<{ status: number; body: T; text: string }> {
  const res = await fetch(`${url}${route}`, { method, headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  let body: T;
  try {
    body = JSON.parse(text) as T;
  } catch {
    body = text as T;
  }
  return { status: res.status, body, text };
}

const pipelines = async (url: string, token: string) => (await get<PipelineRow[]>(url, token, `/api/ui/pipelines?project=${encodeURIComponent(PROJECT)}&limit=100`)).body;

async function until<T>(what: string, fn: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Pipeline id -> "status job:status …", for comparing the whole tree before and after. */
async function snapshot(url: string, token: string): Promise<Record<number, string>> {
  const out: Record<number, string> = {};
  for (const p of await pipelines(url, token)) {
    const d = await getPipeline(url, token, p.id);
    out[p.id] = [d.pipeline.status, ...d.jobs.map((j) => `${j.name}:${j.status}${j.failureReason ? `(${j.failureReason})` : ''}`)].join(' ');
  }
  return out;
}

describe('fault: self-including child pipeline (trigger: include of its own file)', () => {
  let work: string;
  let server: ServeProcess | null = null;
  afterAll(async () => {
    await server?.stop().catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('stops at depth 2 with the GitLab failure reason, cancels as a whole, and stays put across restarts', async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'gcd-fault-loop-'));
    const dataDir = path.join(work, 'data');
    const projectDir = path.join(work, 'project');
    await mkdir(projectDir, { recursive: true });
    await writeFile(path.join(projectDir, '.gitlab-ci.yml'), CONFIG);
    const port = await freePort();
    server = await startServe({ dataDir, port, tokensWaitMs: Infinity });
    const url = server.url;
    const admin = server.adminToken!;
    expect(admin).toBeTruthy();

    // 1. Root, then a crash right away, then a restart on the same data.
    const t0 = Date.now();
    const root: PipelineDetailView = await createPipelineFromDir(url, admin, { dir: projectDir, project: PROJECT });
    const beforeKill = (await pipelines(url, admin)).length;
    await server.kill9();
    server = await startServe({ dataDir, port, tokensWaitMs: 500 });
    const tree = await until(
      'the grandchild trigger job to fail',
      async () => {
        const all = await pipelines(url, admin);
        const gc = all.find((p) => p.parentPipelineId !== null && all.some((q) => q.id === p.parentPipelineId && q.parentPipelineId === root.pipeline.id));
        if (!gc) return null;
        const again = (await getPipeline(url, admin, gc.id)).jobs.find((j) => j.name === 'again');
        return again && FINISHED.has(again.status) ? { all, gc, again } : null;
      },
      30_000,
    );
    const tookMs = Date.now() - t0;
    expect(tree.again.status).toBe('failed');
    expect(tree.again.failureReason).toBe('reached_max_descendant_pipelines_depth');
    const jobView = await get<{ job?: { failureReason: string | null }; failureReason?: string | null }>(url, admin, `/api/ui/jobs/${tree.again.id}`);
    expect(jobView.status).toBe(200);
    expect(jobView.text).toContain('"failureReason":"reached_max_descendant_pipelines_depth"');
    const log = await get<string>(url, admin, `/api/ui/jobs/${tree.again.id}/trace`);
    expect(log.status).toBe(200);
    expect(log.text).toContain('reached maximum depth of child pipelines');

    // 2. Bounded: root + child + grandchild, and no more after a while.
    await new Promise((r) => setTimeout(r, 2_000));
    const bounded = await pipelines(url, admin);
    expect(bounded.length).toBe(3);

    // 3. Cancel the root: the whole tree ends canceled (the grandchild: failed, its trigger job failed).
    const cancel = await get<unknown>(url, admin, `/api/ui/pipelines/${root.pipeline.id}/cancel`, 'POST');
    expect(cancel.status).toBe(200);
    const canceled = await snapshot(url, admin);
    for (const line of Object.values(canceled)) {
      expect(line).toMatch(/^(canceled|failed) /);
      expect(line).not.toMatch(/:(pending|running|created|canceling)\b/);
    }
    expect(canceled[root.pipeline.id]).toMatch(/^canceled build:canceled/);

    // 4. Clean restart, then a kill -9 restart: nothing new, nothing changed.
    await server.stop();
    server = await startServe({ dataDir, port, tokensWaitMs: 500 });
    await new Promise((r) => setTimeout(r, 2_000));
    const afterStop = await snapshot(url, admin);
    await server.kill9();
    server = await startServe({ dataDir, port, tokensWaitMs: 500 });
    await new Promise((r) => setTimeout(r, 2_000));
    const afterKill = await snapshot(url, admin);
    expect(afterStop).toEqual(canceled);
    expect(afterKill).toEqual(canceled);

    console.log(
      `[faults] child-pipeline-loop: self-including trigger:include, no runner; kill -9 right after the root ` +
        `(${beforeKill} pipeline(s) just before the kill), restart: tree complete in ${tookMs} ms with ${bounded.length} pipelines ` +
        `(root, child, grandchild), still ${bounded.length} 2 s later; grandchild trigger job #${tree.again.id} failed ` +
        `(${tree.again.failureReason}, log: "reached maximum depth of child pipelines"); root cancel -> ` +
        `${Object.values(canceled).map((l) => l.split(' ')[0]).join('/')}, 0 unfinished jobs; after SIGTERM restart and ` +
        `kill -9 restart: ${Object.keys(afterKill).length} pipelines, 0 changed`,
    );
  }, 120_000);
});
