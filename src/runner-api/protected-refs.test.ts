// Protected refs as the runner sees them (POST /jobs/request over real HTTP): protected CI/CD
// variables, CI_COMMIT_REF_PROTECTED, git_info.protected and which runners get the job all follow
// the pipeline's `protected` flag, decided at creation from the project's protected branch and
// tag rules (default: the default branch only; a tag only under a rule such as `v*`).
// On SQLite and on PostgreSQL (skipped with a message when unreachable, unless GCD_REQUIRE_POSTGRES=1).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { job as planJob, planOf } from '../engine/test-support/plan-builder.js';
import type { Project } from '../engine/model.js';
import type { JobPayload } from './protocol.js';
import { createPgDatabase, requirePostgres, type PgDatabase } from '../store/test-support/pg-database.js';
import { postJson, RUNNER_INFO, RunnerClient } from './test-support/runner-client.js';
import { startRunnerApiTestServer, type RunnerApiTestServer } from './test-support/start-test-server.js';

const pgAvailable = await requirePostgres('protected refs through the runner API on PostgreSQL');
const backends = [{ name: 'sqlite', pg: false }, ...(pgAvailable ? [{ name: 'postgres', pg: true }] : [])];

let t: RunnerApiTestServer;
let pgDb: PgDatabase | null = null;
let project: Project;
let sha: string;

async function start(pg: boolean): Promise<void> {
  pgDb = pg ? await createPgDatabase() : null;
  t = await startRunnerApiTestServer({ longPollMs: 0, postgresUrl: pgDb?.url });
  ({ project, sha } = await t.createProject());
  const setVar = (projectId: number | null, key: string, prot: boolean) =>
    t.coordinator.setVariable({ projectId, key, value: `${key.toLowerCase()}-value`, masked: false, protected: prot, file: false, raw: false });
  await setVar(null, 'INSTANCE_PROTECTED', true);
  await setVar(project.id, 'PROJECT_PROTECTED', true);
  await setVar(project.id, 'PROJECT_PLAIN', false);
}
afterEach(async () => {
  await t?.close();
  await pgDb?.drop();
  pgDb = null;
});

async function pipelineFor(ref: string, isTag: boolean): Promise<number> {
  const d = await t.coordinator.createPipeline({ projectId: project.id, ref, isTag, sha, source: 'push', plan: planOf(['a'], [planJob(`job-${ref}`, { stage: 'a' })]) });
  return d.pipeline.id;
}

/** What the job sees of protection: its variables' keys (user ones), CI_COMMIT_REF_PROTECTED, git_info.protected. */
function seen(job: JobPayload | null) {
  if (!job) throw new Error('no job');
  const value = (k: string) => job.variables.find((v) => v.key === k)?.value;
  return {
    name: job.job_info.name,
    vars: job.variables.map((v) => v.key).filter((k) => k.startsWith('PROJECT_') || k.startsWith('INSTANCE_')),
    refProtected: value('CI_COMMIT_REF_PROTECTED'),
    gitProtected: job.git_info.protected,
  };
}

const ALL = ['INSTANCE_PROTECTED', 'PROJECT_PROTECTED', 'PROJECT_PLAIN'];

describe.each(backends)('protected refs through the runner API ($name)', ({ pg }) => {
  beforeEach(() => start(pg));

  it('tag v1 without a tag rule: no protected variable, CI_COMMIT_REF_PROTECTED=false; after adding v*, a new v1 pipeline gets them and true', async () => {
    const runner = new RunnerClient(t.url, (await t.createRunner()).token);
    await pipelineFor('v1', true);
    expect(seen((await runner.requestJob()).job)).toEqual({ name: 'job-v1', vars: ['PROJECT_PLAIN'], refProtected: 'false', gitProtected: false });
    await t.coordinator.protectRef({ projectId: project.id, kind: 'tag', name: 'v*' });
    await pipelineFor('v1', true);
    expect(seen((await runner.requestJob()).job)).toEqual({ name: 'job-v1', vars: ALL, refProtected: 'true', gitProtected: true });
  });

  it('the default branch gets them, other branches do not, unless a branch rule matches; the default-branch rule can be removed', async () => {
    const runner = new RunnerClient(t.url, (await t.createRunner()).token);
    await pipelineFor('main', false);
    expect(seen((await runner.requestJob()).job)).toEqual({ name: 'job-main', vars: ALL, refProtected: 'true', gitProtected: true });
    await pipelineFor('feature/login', false);
    expect(seen((await runner.requestJob()).job)).toEqual({ name: 'job-feature/login', vars: ['PROJECT_PLAIN'], refProtected: 'false', gitProtected: false });
    await t.coordinator.protectRef({ projectId: project.id, kind: 'branch', name: 'release/*' });
    await t.coordinator.unprotectRef({ projectId: project.id, kind: 'branch', name: 'main' });
    await pipelineFor('release/1.0/rc', false);
    expect(seen((await runner.requestJob()).job)).toEqual({ name: 'job-release/1.0/rc', vars: ALL, refProtected: 'true', gitProtected: true });
    await pipelineFor('main', false);
    expect(seen((await runner.requestJob()).job)).toEqual({ name: 'job-main', vars: ['PROJECT_PLAIN'], refProtected: 'false', gitProtected: false });
  });

  it('a ref_protected runner (registered with access_level) takes only protected pipelines, in order', async () => {
    const registered = await postJson(`${t.url}/api/v4/runners`, { token: await t.coordinator.resetRegistrationToken(), access_level: 'ref_protected', run_untagged: true, info: RUNNER_INFO });
    expect(registered.status).toBe(201);
    const prot = new RunnerClient(t.url, registered.json<{ token: string }>().token);
    await pipelineFor('v1', true);
    await pipelineFor('feature', false);
    expect((await prot.requestJob()).res.status).toBe(204);
    await pipelineFor('main', false);
    await t.coordinator.protectRef({ projectId: project.id, kind: 'tag', name: 'v*' });
    await pipelineFor('v2', true);
    expect(seen((await prot.requestJob()).job)).toMatchObject({ name: 'job-main', refProtected: 'true' });
    expect(seen((await prot.requestJob()).job)).toMatchObject({ name: 'job-v2', refProtected: 'true', vars: ALL });
    expect((await prot.requestJob()).res.status).toBe(204);
    // the unprotected jobs wait for a runner that may take them
    const any = new RunnerClient(t.url, (await t.createRunner()).token);
    expect(seen((await any.requestJob()).job)).toMatchObject({ name: 'job-v1', refProtected: 'false' });
    expect(seen((await any.requestJob()).job)).toMatchObject({ name: 'job-feature', refProtected: 'false' });
  });
});
