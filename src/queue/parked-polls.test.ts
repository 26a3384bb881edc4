import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openStore } from '../store/open-store.js';
import type { PendingEntry, RunnerMatch, Store } from '../store/ports.js';
import { matches } from './matches.js';
import { createJobQueue } from './port.js';

let dir: string;
let store: Store;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-q-'));
  store = await openStore({ kind: 'sqlite', path: path.join(dir, 'q.db') });
});
afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const m = (over: Partial<RunnerMatch>): RunnerMatch => ({ runnerId: 1, tags: [], runUntagged: true, protectedOnly: false, projectId: null, features: 0, ...over });
const e = (over: Partial<PendingEntry>): PendingEntry => ({ jobId: 1, projectId: 1, protected: false, tags: [], features: 0, ...over });
const never = new AbortController().signal;

test('matching mirrors the SQL claim condition', () => {
  expect(matches(m({ tags: ['a', 'b'] }), e({ tags: ['a'] }))).toBe(true);
  expect(matches(m({ tags: ['a'] }), e({ tags: ['a', 'b'] }))).toBe(false);
  expect(matches(m({ runUntagged: false }), e({}))).toBe(false);
  expect(matches(m({ protectedOnly: true }), e({}))).toBe(false);
  expect(matches(m({ projectId: 2 }), e({ projectId: 1 }))).toBe(false);
  expect(matches(m({ features: 1 }), e({ features: 3 }))).toBe(false);
  expect(matches(m({ features: 3 }), e({ features: 1 }))).toBe(true);
});

test('only parked polls whose runners can take the job are woken, one per job; versions change only for them', async () => {
  const q = createJobQueue({ signal: store.pendingSignal, pending: store.queue, fallbackPollMs: 0 });
  const docker = m({ runnerId: 1, tags: ['docker'], runUntagged: false });
  const docker2 = m({ runnerId: 2, tags: ['docker'], runUntagged: false });
  const shell = m({ runnerId: 3, tags: ['shell'], runUntagged: false });
  const vd = q.version(docker);
  expect(q.version(docker2)).toBe(vd); // same class, same version
  const vs = q.version(shell);
  const woken: string[] = [];
  const p1 = q.waitForChange(docker, vd, 60_000, never).then((c) => c && woken.push('docker'));
  const p2 = q.waitForChange(docker2, vd, 60_000, never).then((c) => c && woken.push('docker2'));
  const ac = new AbortController();
  const p3 = q.waitForChange(shell, vs, 60_000, ac.signal).then((c) => c && woken.push('shell'));
  expect(q.parkedCount()).toBe(3);
  await q.publish([e({ jobId: 10, tags: ['docker'] })]);
  await p1;
  expect(woken).toEqual(['docker']); // the oldest waiter of the class, not all of them
  expect(q.parkedCount()).toBe(2);
  expect(q.version(docker)).not.toBe(vd);
  expect(q.version(shell)).toBe(vs);
  q.wakeOne(docker2); // the baton
  await p2;
  expect(woken).toEqual(['docker', 'docker2']);
  expect(q.parkedCount()).toBe(1);
  ac.abort();
  expect(await p3).toBe(false);
  expect(q.parkedCount()).toBe(0);
  // a stale version returns at once
  expect(await q.waitForChange(docker, vd, 60_000, never)).toBe(true);
  // two jobs in one publish wake two waiters
  const v2 = q.version(docker);
  const both = [q.waitForChange(docker, v2, 60_000, never), q.waitForChange(docker, v2, 60_000, never), q.waitForChange(docker, v2, 50, never)];
  await q.publish([e({ jobId: 11, tags: ['docker'] }), e({ jobId: 12, tags: ['docker'] })]);
  expect(await Promise.all(both)).toEqual([true, true, false]);
  q.close();
});

test('a hold ends with false after its time', async () => {
  const q = createJobQueue({ signal: store.pendingSignal, pending: store.queue, fallbackPollMs: 0 });
  const r = m({});
  expect(await q.waitForChange(r, q.version(r), 10, never)).toBe(false);
  q.close();
});
