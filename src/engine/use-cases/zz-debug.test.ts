// The whole runner conversation over HTTP with the coordinator on PostgreSQL (the scale-out
// store): ids and sizes must still be JSON numbers, tokens strings, the payload schema-valid.
// Skipped with a message when PostgreSQL is not reachable, unless GCD_REQUIRE_POSTGRES=1.
import { crc32, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { job as planJob, need, planOf } from '../../engine/test-support/plan-builder.js';
import { createPgDatabase, requirePostgres, type PgDatabase } from '../../store/test-support/pg-database.js';
import { RunnerClient } from '../../runner-api/test-support/runner-client.js';
import { startRunnerApiTestServer, type RunnerApiTestServer } from '../../runner-api/test-support/start-test-server.js';

const available = await requirePostgres('runner API conformance on PostgreSQL');

describe.runIf(available)('runner API on PostgreSQL', () => {
  let db: PgDatabase;
  let t: RunnerApiTestServer;
  beforeAll(async () => {
    db = await createPgDatabase();
    t = await startRunnerApiTestServer({ longPollMs: 300, postgresUrl: db.url });
  });
  afterAll(async () => {
    const t0 = Date.now(); const timer = setInterval(() => console.log('closing...', Date.now() - t0, (process as any)._getActiveHandles().map((h: any) => h.constructor.name + (h.remotePort ? ':' + h.localPort + '->' + h.remotePort : '')).join(','), (globalThis as any).__pool?.totalCount, (globalThis as any).__pool?.idleCount, (globalThis as any).__pool?.waitingCount), 2000);
    await t?.close(); clearInterval(timer); console.log('closed in', Date.now() - t0);
    await db?.drop();
  });

  it('claims, updates, traces, uploads and hands artifacts and dotenv to the dependent job', async () => {
    const { token } = await t.createRunner({ tags: ['pg'], runUntagged: false });
    const artifacts = { name: null, paths: ['out/'], exclude: [], untracked: false, when: 'on_success' as const, expireIn: null, exposeAs: null, reports: { dotenv: ['b.env'] } };
    await t.createPipeline(planOf(['build', 'test'], [planJob('build', { stage: 'build', tags: ['pg'], artifacts }), planJob('test', { stage: 'test', tags: ['pg'], needs: [need('build')] })]));
    const client = new RunnerClient(t.url, token);
    const { job: build } = await client.requestJob(); // schema-checked by the client
    expect(typeof build!.id).toBe('number');
    expect(typeof build!.job_info.project_id).toBe('number');
    expect((await client.updateJob(build!, { state: 'running' })).status).toBe(200);
    const log = Buffer.from('hello from postgres\n');
    const patch = await client.patchTrace(build!, 0, log);
    expect(patch.status).toBe(202);
    expect(patch.headers.get('range')).toBe(`0-${log.length}`);
    expect((await client.uploadArtifact(build!, Buffer.from('PK-not-really-a-zip'))).status).toBe(201);
    expect((await client.uploadArtifact(build!, gzipSync('FROM_PG=yes\n'), { artifact_type: 'dotenv', artifact_format: 'gzip' })).status).toBe(201);
    const sum = `crc32:${(crc32(log) >>> 0).toString(16).padStart(8, '0')}`;
    expect((await client.updateJob(build!, { state: 'success', output: { checksum: sum, bytesize: log.length } })).status).toBe(200);

    const { job: test } = await client.requestJob();
    expect(test!.job_info.name).toBe('test');
    expect(test!.dependencies[0]).toEqual({ id: build!.id, name: 'build', token: test!.token, artifacts_file: { filename: 'artifacts.zip', size: 19 } });
    expect(test!.variables.find((v) => v.key === 'FROM_PG')?.value).toBe('yes');
    const dl = await client.downloadArtifacts(build!.id, test!.token);
    expect(dl.status).toBe(200);
    expect(Buffer.from(await dl.arrayBuffer()).toString()).toBe('PK-not-really-a-zip');
  });
});
