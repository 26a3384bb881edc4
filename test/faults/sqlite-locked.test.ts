// Fault: another process holds SQLite's write lock on the server's database for a few seconds
// (a child `node` with better-sqlite3: BEGIN IMMEDIATE, then nothing until it commits).
// Meanwhile the server (in this process, so the event loop can be measured):
//   - keeps its event loop free (better-sqlite3 is synchronous: a long busy_timeout would block it),
//   - answers reads that need no lock at once (GET /api/ui/session),
//   - answers writes that wait longer than its lock budget with 503 + Retry-After, never 500,
//   - takes the same writes once the lock is gone, each exactly once (nothing lost, nothing doubled).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createServer, type DispatcherServer } from '../../src/server/create-server.js';
import { loadServerConfig } from '../../src/server/config.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const LOCK_MS = 5_000;

/** A child process holding the write lock of `file` for `ms`; resolves once it holds it. */
async function holdWriteLock(file: string, ms: number): Promise<{ child: ChildProcess; released: Promise<void> }> {
  const script = `
    const Sqlite = require('better-sqlite3');
    const db = new Sqlite(${JSON.stringify(file)}, { timeout: 5000 });
    db.exec('BEGIN IMMEDIATE');
    db.prepare("UPDATE schema_migrations SET applied_at = applied_at").run();
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); process.stdout.write('released\\n'); }, ${ms});
  `;
  const child = spawn(process.execPath, ['-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const released = new Promise<void>((resolve, reject) =>
    child.once('exit', (code) => (code === 0 && out.includes('released') ? resolve() : reject(new Error(`lock holder exited ${code}: ${err}`)))),
  );
  const until = Date.now() + 10_000;
  while (!out.includes('locked')) {
    if (child.exitCode !== null || Date.now() > until) throw new Error(`lock holder did not lock: ${err}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return { child, released };
}

describe('SQLite locked by another process', () => {
  let work: string;
  let server: DispatcherServer | null = null;
  let holder: ChildProcess | null = null;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'gcd-fault-sqlite-'));
  });
  afterAll(async () => {
    if (holder && holder.exitCode === null) holder.kill('SIGKILL');
    await server?.close().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  });

  test('the event loop stays free, reads answer, writes get 503 + Retry-After, then succeed once', async () => {
    const dataDir = path.join(work, 'data');
    server = await createServer(loadServerConfig({ flags: { dataDir, port: 0, logLevel: 'silent', webRoot: null } }));
    const url = await server.start();
    const admin = (await server.coordinator.createApiToken('admin', 'admin')).token;
    const auth = { authorization: `Bearer ${admin}` };
    const createRunner = (description: string) =>
      fetch(`${url}/api/ui/runners`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ description, runUntagged: true }) });

    const lock = await holdWriteLock(path.join(dataDir, 'dispatcher.db'), LOCK_MS);
    holder = lock.child;
    const lockedAt = Date.now();
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();

    // Writes while the lock is held: the early ones wait past the server's lock budget (3 s: 503),
    // the late ones are still waiting when the lock goes (5 s) and get through.
    const names = Array.from({ length: 6 }, (_, i) => `locked-${i}`);
    const writes = names.map(async (name, i) => {
      await new Promise((r) => setTimeout(r, i * 800));
      const res = await createRunner(name);
      return { name, status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.text(), at: Date.now() - lockedAt };
    });
    // Reads meanwhile: each must answer quickly.
    const reads: { status: number; ms: number }[] = [];
    while (Date.now() - lockedAt < LOCK_MS - 500) {
      const t0 = Date.now();
      const res = await fetch(`${url}/api/ui/session`, { headers: auth });
      await res.text();
      reads.push({ status: res.status, ms: Date.now() - t0 });
      await new Promise((r) => setTimeout(r, 100));
    }
    const answered = await Promise.all(writes);
    loop.disable();
    const maxLoopDelayMs = loop.max / 1e6;
    await lock.released;
    holder = null;

    // After the release: the refused writes, retried as a client does (after Retry-After), go through.
    let retried = 0;
    for (const w of answered.filter((a) => a.status === 503)) {
      await new Promise((r) => setTimeout(r, Number(w.retryAfter) * 1000));
      const res = await createRunner(w.name);
      expect(res.status, await res.text()).toBe(201);
      retried++;
    }
    const list = (await (await fetch(`${url}/api/ui/runners`, { headers: auth })).json()) as { description: string }[] | { runners: { description: string }[] };
    const runners = Array.isArray(list) ? list : list.runners;
    const descriptions = runners.map((r) => r.description).filter((d) => d.startsWith('locked-'));

    const slowestRead = Math.max(...reads.map((r) => r.ms));
    console.log(
      `[faults] sqlite-locked: lock held ${LOCK_MS} ms by another process; ${reads.length} reads (slowest ${slowestRead} ms), ` +
        `event loop max delay ${maxLoopDelayMs.toFixed(0)} ms; writes: ${answered.map((a) => `${a.status}@${a.at}ms`).join(' ')}; ` +
        `${retried} retried after release; ${descriptions.length}/${names.length} stored once`,
    );

    expect(reads.length).toBeGreaterThan(5);
    for (const r of reads) expect(r.status).toBe(200);
    expect(slowestRead).toBeLessThan(1500);
    expect(maxLoopDelayMs).toBeLessThan(1500);
    for (const w of answered) {
      expect([201, 503], `${w.name}: ${w.status} ${w.body}`).toContain(w.status);
      if (w.status === 503) {
        expect(w.retryAfter).toMatch(/^\d+$/);
        expect(JSON.parse(w.body).error).toBe('unavailable');
      }
    }
    expect(answered.filter((a) => a.status === 503).length).toBeGreaterThan(0);
    expect(answered.filter((a) => a.status === 201).length).toBeGreaterThan(0);
    expect(descriptions.sort()).toEqual([...names].sort());
  });
});
