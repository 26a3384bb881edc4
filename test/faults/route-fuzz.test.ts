// Fault test: a bounded, seeded fuzz loop over EVERY runner-API and REST-API (/api/v4) and UI-API (/api/ui)
// route of the real server (createServer, SQLite, real HTTP). The routes come from fastify's
// route table (onRoute), so a new route is fuzzed without touching this file. Each request is a
// valid one (live job token, runner token, admin token, a real body for the routes we know) with
// 1-3 mutations: wrong JSON types, huge/negative numbers, missing and extra fields, bad JSON,
// wrong content types, form bodies, unicode, very long strings, hostile path parameters, bad
// Content-Range / Range headers, hostile query values. It holds when no answer is a 5xx, no
// request hangs or loses its connection (except a refused oversized body), and the server still
// answers and runs a job at the end.
//   FUZZ_SEED=… FUZZ_PER_ROUTE=… FUZZ_LOG=error  (defaults: fixed seed, 50 per route, silent)
//   FUZZ_STORE=postgres runs it on a throwaway PostgreSQL database instead of SQLite.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipOf } from '../../src/artifacts/test-support/zip-of.js';
import { job as planJob, planOf } from '../../src/engine/test-support/plan-builder.js';
import type { EngineCoordinator } from '../../src/engine/create-coordinator.js';
import { loadServerConfig } from '../../src/server/config.js';
import { createServer, type DispatcherServer } from '../../src/server/create-server.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../support/pg-throwaway.js';
import { fuzzRequest, mulberry32, type FuzzState, type Rng } from './route-fuzz-mutations.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const PER_ROUTE = Number(process.env.FUZZ_PER_ROUTE ?? 50);
const CONCURRENCY = 6;
/** 5xx answers that are the contract, not a failure (reference §1.6: job router not offered). */
const INTENDED_5XX: Record<string, number> = {
  'GET /api/v4/runners/router/discovery': 501,
  'HEAD /api/v4/runners/router/discovery': 501,
};

/** REST routes that revoke the caller's own token (the fuzz's admin token): src/rest/ tests them. */
const SELF_REVOKING = new Set(['DELETE /api/v4/personal_access_tokens/self', 'DELETE /api/v4/personal_access_tokens/:id']);

interface Tally {
  tried: number;
  statuses: Map<number, number>;
  failures: string[];
}

let work: string;
let server: DispatcherServer;
let coordinator: EngineCoordinator;
let pg: ThrowawayDatabase | null = null;
const routes: { method: string; url: string }[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'gcd-fuzz-'));
  const logLevel = (process.env.FUZZ_LOG as 'error' | undefined) ?? 'silent';
  if (process.env.FUZZ_STORE === 'postgres') pg = await createThrowawayDatabase('gcd_fuzz');
  const config = loadServerConfig({ flags: { dataDir: path.join(work, 'data'), host: '127.0.0.1', port: 0, logLevel, webRoot: null, longPollSeconds: 1, database: pg?.url ?? null } });
  server = await createServer(config, {
    onRoute: (route: RouteOptions) => {
      for (const method of [route.method].flat()) {
        if (SELF_REVOKING.has(`${method} ${route.url}`)) continue;
        if (route.url.startsWith('/api/v4') || route.url.startsWith('/api/ui')) routes.push({ method, url: route.url });
      }
    },
  });
  await server.start();
  coordinator = server.coordinator as EngineCoordinator;
});
afterAll(async () => {
  await server?.close();
  await pg?.drop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The fixtures every request may use: tokens, a live job (re-claimed when the fuzz finishes it), ids. */
async function makeState(): Promise<FuzzState> {
  const project = await coordinator.ensureProject('fuzz/demo', 'main');
  const admin = (await coordinator.createApiToken('fuzz-admin', 'admin')).token;
  const user = (await coordinator.createApiToken('fuzz-user', 'user')).token;
  const registration = await coordinator.resetRegistrationToken();
  let runner = await coordinator.createRunner({ runUntagged: true, description: 'fuzz' });
  let pipelines = 0;
  const newPipeline = async () => {
    const jobs = Array.from({ length: 20 }, (_, i) => planJob(`j${i}`, { stage: 'test' }));
    const d = await coordinator.createPipeline({ projectId: project.id, ref: `fuzz-${++pipelines}`, isTag: false, sha: 'f0'.repeat(20), source: 'push', plan: planOf(['test'], jobs) });
    return d.pipeline.id;
  };
  const firstPipeline = await newPipeline();
  const ensureRunner = async () => {
    const current = await coordinator.authenticateRunner(runner.token);
    if (!current) runner = await coordinator.createRunner({ runUntagged: true, description: 'fuzz' });
    else if (current.paused) await coordinator.updateRunner(current.id, { paused: false });
    return runner;
  };
  const claim = async (): Promise<{ id: number; token: string }> => {
    for (let attempt = 0; attempt < 4; attempt++) {
      const r = await ensureRunner();
      const current = await coordinator.authenticateRunner(r.token);
      if (!current) continue;
      const got = await coordinator.requestJob({ runner: current, holdMs: 0, signal: new AbortController().signal });
      if (got.kind === 'job') return { id: got.claimed.job.id, token: got.claimed.token };
      // The fuzz may have edited the runner (tags, run_untagged, access level): undo, add jobs.
      await coordinator.updateRunner(current.id, { paused: false, runUntagged: true, accessLevel: 'not_protected', tags: [] });
      await newPipeline();
    }
    throw new Error('cannot claim a job for the fuzz');
  };
  // A finished job with a zip archive, for the artifact routes.
  const done = await claim();
  const zip = await zipOf({ 'a.txt': 'hello', 'dir/b.json': '{"x":1}' });
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(zip)]), 'artifacts.zip');
  const up = await fetch(`${server.url}/api/v4/jobs/${done.id}/artifacts?artifact_type=archive&artifact_format=zip`, { method: 'POST', headers: { 'job-token': done.token }, body: form });
  if (up.status !== 201) throw new Error(`artifact upload failed: ${up.status}`);
  await fetch(`${server.url}/api/v4/jobs/${done.id}`, { method: 'PUT', headers: { 'content-type': 'application/json', 'job-token': done.token }, body: JSON.stringify({ token: done.token, state: 'success' }) });
  const variable = await coordinator.setVariable({ projectId: null, key: 'FUZZ_SEEDED', value: 'v', masked: false, protected: false, file: false, raw: false });

  let live = await claim();
  let claiming: Promise<void> | null = null;
  return {
    url: server.url,
    admin,
    user,
    registration,
    runnerToken: () => runner.token,
    runnerId: () => runner.runner.id,
    projectId: project.id,
    projectPath: project.path,
    pipelineId: firstPipeline,
    artifactJobId: done.id,
    variableId: variable.id,
    liveJob: () => live,
    async refreshRunner() {
      await ensureRunner();
    },
    setRunnerToken(token: string) {
      runner = { ...runner, token };
    },
    async refreshLiveJob() {
      const job = await coordinator.read.job(live.id);
      if (job && (job.status === 'running' || job.status === 'canceling')) return;
      claiming ??= claim().then((next) => {
        live = next;
        claiming = null;
      });
      await claiming;
    },
  };
}

async function send(state: FuzzState, rng: Rng, route: { method: string; url: string }, tally: Tally): Promise<void> {
  if (route.url.startsWith('/api/v4/jobs/:id')) await state.refreshLiveJob();
  else if (route.url.startsWith('/api/v4/')) await state.refreshRunner();
  const req = fuzzRequest(rng, route, state);
  const size = req.body === undefined ? 0 : typeof req.body === 'string' ? Buffer.byteLength(req.body) : req.body.length;
  tally.tried++;
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 8_000);
  try {
    const res = await fetch(state.url + req.path, { method: route.method, headers: req.headers, body: req.body, signal: ac.signal, redirect: 'manual' });
    tally.statuses.set(res.status, (tally.statuses.get(res.status) ?? 0) + 1);
    if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) await res.body?.cancel();
    else if (route.method === 'POST' && route.url === '/api/ui/admin/registration-token' && res.status === 201) {
      // The fuzz rotated the registration token: keep registering with the new one.
      state.registration = ((await res.json()) as { token: string }).token;
    } else if (route.url.endsWith('/reset_authentication_token') && res.status === 201) {
      // The fuzz reset our runner's token (or another runner's, when the id was not ours).
      const token = ((await res.json()) as { token: string }).token;
      const owner = await coordinator.authenticateRunner(token);
      if (owner && owner.id === state.runnerId()) state.setRunnerToken(token);
    } else await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 500 && INTENDED_5XX[`${route.method} ${route.url}`] !== res.status) tally.failures.push(`${res.status} ${route.method} ${req.path.slice(0, 200)} [${req.note}]`);
  } catch (error) {
    // The server closes the connection on purpose after refusing an oversized body (413).
    if (size > 64 * 1024 && (error as Error).name !== 'AbortError') tally.statuses.set(-1, (tally.statuses.get(-1) ?? 0) + 1);
    else tally.failures.push(`no answer (${(error as Error).message}) ${route.method} ${req.path.slice(0, 200)} [${req.note}]`);
  } finally {
    clearTimeout(timer);
  }
}

describe('route fuzz', () => {
  it('no 5xx, no hang, server alive: every runner-API and UI-API route', { timeout: 300_000 }, async () => {
    const unique = [...new Map(routes.map((r) => [`${r.method} ${r.url}`, r])).values()].sort((a, b) => `${a.url} ${a.method}`.localeCompare(`${b.url} ${b.method}`));
    expect(unique.length).toBeGreaterThan(40);
    const state = await makeState();
    const tallies = new Map(unique.map((r) => [`${r.method} ${r.url}`, { tried: 0, statuses: new Map<number, number>(), failures: [] } as Tally]));
    const queue: { route: { method: string; url: string }; rng: Rng }[] = [];
    unique.forEach((route, r) => {
      for (let i = 0; i < PER_ROUTE; i++) queue.push({ route, rng: mulberry32(SEED ^ (r * 100_003 + i * 7919)) });
    });
    // Interleave the routes (deterministically) so that state changes of one route meet the others.
    const order = mulberry32(SEED);
    for (let i = queue.length - 1; i > 0; i--) {
      const j = Math.floor(order() * (i + 1));
      [queue[i], queue[j]] = [queue[j], queue[i]];
    }
    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < queue.length) {
          const item = queue[next++];
          await send(state, item.rng, item.route, tallies.get(`${item.route.method} ${item.route.url}`)!);
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;

    // Still alive: reads answer, and a job runs through the real protocol.
    expect((await fetch(`${server.url}/api/ui/projects`, { headers: { authorization: `Bearer ${state.admin}` } })).status).toBe(200);
    await state.refreshLiveJob();
    const live = state.liveJob();
    const put = await fetch(`${server.url}/api/v4/jobs/${live.id}`, { method: 'PUT', headers: { 'content-type': 'application/json', 'job-token': live.token }, body: JSON.stringify({ token: live.token, state: 'success' }) });
    expect(put.status).toBe(200);

    const failures = [...tallies.values()].flatMap((t) => t.failures);
    const total = [...tallies.values()].reduce((n, t) => n + t.tried, 0);
    const lines = [...tallies.entries()].map(([key, t]) => `  ${key.padEnd(58)} ${String(t.tried).padStart(4)}  ${[...t.statuses.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s === -1 ? 'closed' : s}×${n}`).join(' ')}`);
    console.log(
      `[faults] route-fuzz (${pg ? 'postgres' : 'sqlite'}): seed ${SEED}, ${unique.length} routes, ${total} requests in ${seconds.toFixed(1)} s, ${failures.length} 5xx/no answer; server alive, a job still finishes (PUT 200)\n${lines.join('\n')}` +
        `\n  intended 5xx: ${Object.entries(INTENDED_5XX).map(([k, v]) => `${k} ${v}`).join(', ')}` +
        (failures.length ? `\n  failures:\n    ${failures.slice(0, 40).join('\n    ')}` : ''),
    );
    expect(failures).toEqual([]);
  });
});
