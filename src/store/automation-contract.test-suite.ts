// Store contract for CI automation (triggers, schedules, webhooks and deliveries, commit
// statuses): run by sqlite/sqlite-store.test.ts and postgres/postgres-store.test.ts. Several
// open() calls on one database are several nodes: fire-once and claim-once are checked that way.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Store } from './ports.js';
import type { ContractDatabase } from './store-contract.test-suite.js';

const now = () => new Date().toISOString();

export function describeAutomationContract(name: string, fresh: () => Promise<ContractDatabase>): void {
  describe(`automation store contract: ${name}`, () => {
    let db: ContractDatabase;
    let store: Store;
    let projectId: number;
    beforeAll(async () => {
      db = await fresh();
      store = await db.open();
      projectId = (await store.projects.insert({ path: 'auto/p', name: 'p', defaultBranch: 'main', createdAt: now() })).id;
    });
    afterAll(async () => {
      await store?.close();
      await db?.dispose();
    });

    test('triggers: insert, by token hash, update, touch, delete', async () => {
      const t = await store.triggers.insert({ projectId, description: 'release', tokenHash: 'h-1', tokenPrefix: 'glpt', ownerName: 'admin', createdAt: now(), updatedAt: now() });
      expect(t).toMatchObject({ projectId, description: 'release', tokenPrefix: 'glpt', lastUsedAt: null });
      expect((await store.triggers.byTokenHash('h-1'))?.id).toBe(t.id);
      expect(await store.triggers.byTokenHash('h-2')).toBeNull();
      expect(await store.triggers.update(t.id, { description: 'nightly', updatedAt: now() })).toMatchObject({ description: 'nightly' });
      await store.triggers.touch(t.id, '2030-01-01T00:00:00.000Z');
      expect((await store.triggers.byId(t.id))?.lastUsedAt).toBe('2030-01-01T00:00:00.000Z');
      expect((await store.triggers.list(projectId)).map((x) => x.id)).toEqual([t.id]);
      await expect(store.triggers.insert({ ...t, tokenHash: 'h-1' })).rejects.toThrow();
      expect(await store.triggers.delete(t.id)).toBe(true);
      expect(await store.triggers.delete(t.id)).toBe(false);
    });

    test('schedules: CRUD, variables (values round-trip), due list, scope', async () => {
      const base = { projectId, description: 'nightly', ref: 'main', cron: '0 1 * * *', cronTimezone: 'UTC', ownerName: null, createdAt: now(), updatedAt: now() };
      const s = await store.schedules.insert({ ...base, active: true, nextRunAt: '2000-01-01T01:00:00.000Z' });
      const off = await store.schedules.insert({ ...base, description: 'off', active: false, nextRunAt: null });
      expect(await store.schedules.setVariable(s.id, { key: 'A', value: 's3cr3t value', variableType: 'env_var' })).toBe(true);
      expect(await store.schedules.setVariable(s.id, { key: 'A', value: 'v2', variableType: 'file' })).toBe(true);
      expect(await store.schedules.setVariable(s.id, { key: 'B', value: 'b', variableType: 'env_var' })).toBe(true);
      expect(await store.schedules.setVariable(999_999, { key: 'B', value: 'b', variableType: 'env_var' })).toBe(false);
      expect((await store.schedules.byId(s.id))?.variables).toEqual([
        { key: 'A', value: 'v2', variableType: 'file' },
        { key: 'B', value: 'b', variableType: 'env_var' },
      ]);
      expect(await store.schedules.deleteVariable(s.id, 'B')).toBe(true);
      expect(await store.schedules.deleteVariable(s.id, 'B')).toBe(false);
      expect((await store.schedules.list(projectId, 'active')).map((x) => x.id)).toEqual([s.id]);
      expect((await store.schedules.list(projectId, 'inactive')).map((x) => x.id)).toEqual([off.id]);
      expect((await store.schedules.due(now(), 10)).map((x) => x.id)).toEqual([s.id]);
      const updated = await store.schedules.update(s.id, { cron: '*/5 * * * *', cronTimezone: 'Europe/Berlin', updatedAt: now() });
      expect(updated).toMatchObject({ cron: '*/5 * * * *', cronTimezone: 'Europe/Berlin', ref: 'main', active: true });
      await store.schedules.setLastPipeline(s.id, 42);
      expect((await store.schedules.byId(s.id))?.lastPipelineId).toBe(42);
      for (const p of [43, 50, 44]) await store.schedules.setLastPipeline(s.id, p);
      await store.schedules.setLastPipeline(off.id, 99);
      expect((await store.schedules.byId(s.id))?.lastPipelineId).toBe(44);
      expect(await store.schedules.pipelineIds(s.id, { offset: 0, limit: 10 })).toEqual({ total: 4, ids: [50, 44, 43, 42] });
      expect(await store.schedules.pipelineIds(s.id, { offset: 1, limit: 2 })).toEqual({ total: 4, ids: [44, 43] });
      expect(await store.schedules.delete(off.id)).toBe(true);
      expect(await store.schedules.byId(off.id)).toBeNull();
    });

    test('schedules: claimRun fires once across nodes for one next_run_at', async () => {
      const at = '2001-01-01T00:00:00.000Z';
      const s = await store.schedules.insert({ projectId, description: 'race', ref: 'main', cron: '* * * * *', cronTimezone: 'UTC', active: true, nextRunAt: at, ownerName: null, createdAt: now(), updatedAt: now() });
      const nodes = await Promise.all([db.open(), db.open(), db.open()]);
      try {
        const wins = await Promise.all(nodes.flatMap((n) => [n, n].map((m) => m.schedules.claimRun(s.id, at, '2001-01-01T00:01:00.000Z'))));
        expect(wins.filter(Boolean)).toHaveLength(1);
        expect((await store.schedules.byId(s.id))?.nextRunAt).toBe('2001-01-01T00:01:00.000Z');
        await store.schedules.update(s.id, { active: false, updatedAt: now() });
        expect(await store.schedules.claimRun(s.id, '2001-01-01T00:01:00.000Z', '2001-01-01T00:02:00.000Z')).toBe(false);
      } finally {
        for (const n of nodes) await n.close();
      }
    });

    test('hooks: CRUD with a token kept secret, deliveries claimed once, retried, logged', async () => {
      const hook = await store.hooks.insert({ projectId, url: 'http://127.0.0.1:1/h', token: 'tok-123', pushEvents: false, tagPushEvents: true, pipelineEvents: true, jobEvents: false, enableSslVerification: true, createdAt: now() });
      expect(hook).toMatchObject({ token: 'tok-123', tagPushEvents: true, pipelineEvents: true, jobEvents: false });
      expect(await store.hooks.update(hook.id, { jobEvents: true, token: null })).toMatchObject({ jobEvents: true, token: null, tagPushEvents: true });
      expect(await store.hooks.update(hook.id, { tagPushEvents: false })).toMatchObject({ tagPushEvents: false, jobEvents: true });
      const at = now();
      await store.hooks.enqueue(
        Array.from({ length: 20 }, (_, i) => ({ hookId: hook.id, projectId, event: 'Pipeline Hook' as const, uuid: `u-${i}`, payload: JSON.stringify({ i, secret: 'x' }), createdAt: at })),
      );
      const nodes = await Promise.all([db.open(), db.open()]);
      try {
        const lease = new Date(Date.now() + 60_000).toISOString();
        const claims = await Promise.all([...nodes, store, ...nodes].map((n) => n.hooks.claimDue(now(), lease, 5)));
        const ids = claims.flat().map((d) => d.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.length).toBe(20);
        expect(await store.hooks.claimDue(now(), lease, 5)).toEqual([]);
        const first = claims.flat().find((d) => d.uuid === 'u-0')!;
        expect(first).toMatchObject({ attempts: 1, status: 'queued', event: 'Pipeline Hook' });
        expect(JSON.parse(first.payload)).toEqual({ i: 0, secret: 'x' });
        // a failed attempt queued for later is not due now; a delivered one is done
        await store.hooks.finishAttempt(first.id, { status: 'queued', responseStatus: 500, responseBody: 'oops', durationMs: 12.4, error: null, nextAttemptAt: '2999-01-01T00:00:00.000Z', finishedAt: null });
        const second = claims.flat().find((d) => d.uuid === 'u-1')!;
        await store.hooks.finishAttempt(second.id, { status: 'delivered', responseStatus: 200, responseBody: 'ok', durationMs: 3, error: null, finishedAt: now() });
        expect(await store.hooks.delivery(first.id)).toMatchObject({ status: 'queued', responseStatus: 500, durationMs: 12, nextAttemptAt: '2999-01-01T00:00:00.000Z' });
        expect(await store.hooks.delivery(second.id)).toMatchObject({ status: 'delivered', responseStatus: 200, responseBody: 'ok' });
        const log = await store.hooks.deliveries(hook.id, { limit: 3 });
        expect(log.map((d) => d.uuid)).toEqual(['u-19', 'u-18', 'u-17']);
        expect((await store.hooks.deliveries(hook.id, { limit: 50, status: 'delivered' })).map((d) => d.id)).toEqual([second.id]);
        expect(await store.hooks.requeue(second.id, now())).toBe(true);
        expect(await store.hooks.requeue(second.id, now())).toBe(false);
        // an expired lease frees the delivery for another node
        const later = new Date(Date.now() + 120_000).toISOString();
        const again = await nodes[0].hooks.claimDue(later, new Date(Date.now() + 180_000).toISOString(), 50);
        expect(again.map((d) => d.uuid)).toContain('u-5');
        expect(again.find((d) => d.uuid === 'u-5')?.attempts).toBe(2);
      } finally {
        for (const n of nodes) await n.close();
      }
      expect(await store.hooks.delete(hook.id)).toBe(true);
      expect(await store.hooks.deliveries(hook.id, { limit: 10 })).toEqual([]);
    });

    test('commit statuses: upsert by name and ref, list', async () => {
      const sha = 'a'.repeat(40);
      const base = { projectId, sha, ref: 'main', name: 'lint', status: 'pending' as const, targetUrl: null, description: null, coverage: null, pipelineId: null, authorName: 'admin', startedAt: null, finishedAt: null, createdAt: now(), updatedAt: now() };
      const a = await store.commitStatuses.upsert(base);
      const a2 = await store.commitStatuses.upsert({ ...base, status: 'success', coverage: 87.5, finishedAt: now() });
      expect(a2.id).toBe(a.id);
      expect(a2).toMatchObject({ status: 'success', coverage: 87.5 });
      await store.commitStatuses.upsert({ ...base, name: 'deploy', ref: null });
      expect((await store.commitStatuses.list(projectId, sha)).map((s) => s.name)).toEqual(['lint', 'deploy']);
      expect((await store.commitStatuses.list(projectId, sha, { name: 'deploy' })).map((s) => s.ref)).toEqual([null]);
      expect(await store.commitStatuses.list(projectId, 'b'.repeat(40))).toEqual([]);
    });
  });
}
