// Protected branches and tags decide, once per pipeline at its creation, whether protected
// variables are delivered and which runners may take its jobs (real coordinator on SQLite).
import { afterEach, describe, expect, test } from 'vitest';
import { AppError } from '../../util/errors.js';
import { createHarness, type Harness } from '../test-support/harness.js';
import { job, planOf } from '../test-support/plan-builder.js';

let h: Harness;
afterEach(async () => h?.close());

const never = new AbortController().signal;
const plan = () => planOf(['a'], [job('j', { stage: 'a' })]);

async function claimedKeys(h: Harness): Promise<{ keys: string[]; protected: boolean }> {
  const r = await h.coordinator.requestJob({ runner: await h.runner(), holdMs: 0, signal: never });
  if (r.kind !== 'job') throw new Error('no job');
  return { keys: r.claimed.ciVariables.map((v) => v.key), protected: r.claimed.pipeline.protected };
}

async function withVariables(): Promise<Harness> {
  const harness = await createHarness();
  await harness.coordinator.setVariable({ projectId: null, key: 'INST_PROT', value: 'i', masked: false, protected: true, file: false, raw: false });
  await harness.coordinator.setVariable({ projectId: harness.project.id, key: 'PROJ_PROT', value: 'p', masked: false, protected: true, file: false, raw: false });
  await harness.coordinator.setVariable({ projectId: harness.project.id, key: 'PLAIN', value: 'x', masked: false, protected: false, file: false, raw: false });
  return harness;
}

describe('protected refs', () => {
  test('a new project protects its default branch (a rule that can be removed), no tag', async () => {
    h = await createHarness();
    expect((await h.coordinator.read.protectedRefs(h.project.id)).map((r) => [r.kind, r.name])).toEqual([['branch', 'main']]);
    const dev = await h.coordinator.ensureProject('group/dev-default', 'develop');
    expect((await h.coordinator.read.protectedRefs(dev.id)).map((r) => [r.kind, r.name])).toEqual([['branch', 'develop']]);
    // ensureProject of an existing project adds nothing
    await h.coordinator.ensureProject('group/dev-default', 'develop');
    expect(await h.coordinator.read.protectedRefs(dev.id)).toHaveLength(1);
  });

  test('tag v1 without a tag rule: no protected variable, pipeline not protected', async () => {
    h = await withVariables();
    await h.pipeline(plan(), { ref: 'v1', isTag: true });
    expect(await claimedKeys(h)).toEqual({ keys: ['PLAIN'], protected: false });
  });

  test("after adding tag rule 'v*' a new pipeline for v1 gets the protected variables; one created before keeps its flag", async () => {
    h = await withVariables();
    const before = await h.pipeline(plan(), { ref: 'v1', isTag: true });
    const rule = await h.coordinator.protectRef({ projectId: h.project.id, kind: 'tag', name: 'v*' });
    expect(rule).toMatchObject({ kind: 'tag', name: 'v*', projectId: h.project.id });
    const first = await claimedKeys(h);
    expect(first).toEqual({ keys: ['PLAIN'], protected: false }); // the old pipeline: decided at its creation
    await h.pipeline(plan(), { ref: 'v1', isTag: true });
    expect(await claimedKeys(h)).toEqual({ keys: ['INST_PROT', 'PROJ_PROT', 'PLAIN'], protected: true });
    expect((await h.coordinator.read.pipeline(before))!.pipeline.protected).toBe(false);
    // a branch called v1 is not a tag
    await h.pipeline(plan(), { ref: 'v1', isTag: false });
    expect((await claimedKeys(h)).protected).toBe(false);
  });

  test('the default branch gets protected variables, other branches do not; removing its rule unprotects it', async () => {
    h = await withVariables();
    await h.pipeline(plan(), { ref: 'main' });
    expect(await claimedKeys(h)).toEqual({ keys: ['INST_PROT', 'PROJ_PROT', 'PLAIN'], protected: true });
    await h.pipeline(plan(), { ref: 'feature/x' });
    expect(await claimedKeys(h)).toEqual({ keys: ['PLAIN'], protected: false });
    await h.coordinator.protectRef({ projectId: h.project.id, kind: 'branch', name: 'feature/*' });
    await h.pipeline(plan(), { ref: 'feature/x/y' });
    expect((await claimedKeys(h)).protected).toBe(true);
    await h.coordinator.unprotectRef({ projectId: h.project.id, kind: 'branch', name: 'main' });
    await h.pipeline(plan(), { ref: 'main' });
    expect(await claimedKeys(h)).toEqual({ keys: ['PLAIN'], protected: false });
  });

  test('a retried job keeps its pipeline flag for the runner match, whatever the rules say now', async () => {
    h = await createHarness();
    const prot = await h.runner({ accessLevel: 'ref_protected' });
    await h.coordinator.protectRef({ projectId: h.project.id, kind: 'branch', name: 'release/*' });
    const id = await h.pipeline(plan(), { ref: 'release/2' });
    const c = await h.claim(prot);
    expect(c?.job.name).toBe('j');
    await h.coordinator.updateJob(c!.job, { state: 'failed', failureReason: 'script_failure' });
    await h.coordinator.unprotectRef({ projectId: h.project.id, kind: 'branch', name: 'release/*' });
    await h.coordinator.retryJob((await h.jobNamed(id, 'j')).id);
    expect((await h.claim(prot))?.job.name).toBe('j');
  });

  test('errors: duplicate rule 409, unknown rule or project 404, bad name 400', async () => {
    h = await createHarness();
    const code = async (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof AppError ? e.code : String(e)));
    expect(await code(h.coordinator.protectRef({ projectId: h.project.id, kind: 'branch', name: 'main' }))).toBe('conflict');
    expect(await code(h.coordinator.protectRef({ projectId: h.project.id, kind: 'tag', name: 'main' }))).toBe('ok');
    expect(await code(h.coordinator.unprotectRef({ projectId: h.project.id, kind: 'tag', name: 'nope' }))).toBe('not_found');
    expect(await code(h.coordinator.protectRef({ projectId: 999_999, kind: 'tag', name: 'v*' }))).toBe('not_found');
    expect(await code(h.coordinator.protectRef({ projectId: h.project.id, kind: 'tag', name: 'bad name' }))).toBe('bad_request');
    expect(await code(h.coordinator.protectRef({ projectId: h.project.id, kind: 'tag', name: '' }))).toBe('bad_request');
  });
});
