// The bridge worker survives database errors: a child pipeline that cannot be created because the
// database is away (503) is tried again with backoff, and created exactly once when it is back.
import { afterEach, expect, test } from 'vitest';
import { compile } from '../ci/index.js';
import type { ProjectFiles } from '../ci/plan.js';
import type { Coordinator } from '../engine/coordinator.js';
import { createHarness, type Harness } from '../engine/test-support/harness.js';
import { unavailable } from '../util/errors.js';
import { startBridgeWorker } from './bridge-jobs.js';

let h: Harness | null = null;
let stop: (() => void) | null = null;
afterEach(async () => {
  stop?.();
  await h?.close();
});

const FILES: Record<string, string> = {
  '.gitlab-ci.yml': 'child:\n  trigger:\n    include: ci/child.yml\n',
  'ci/child.yml': 'child-job:\n  script: [echo child]\n',
};
const files: ProjectFiles = { read: (p) => FILES[p], list: () => Object.keys(FILES) };

test('a child pipeline whose creation fails on an outage is created once the database is back', async () => {
  h = await createHarness();
  const real = h.coordinator;
  let failures = 2;
  const coordinator: Coordinator = {
    ...real,
    createPipeline: (input) => (failures-- > 0 ? Promise.reject(unavailable('the database is unavailable, try again shortly')) : real.createPipeline(input)),
  };
  const logged: string[] = [];
  stop = startBridgeWorker({ coordinator, filesAt: () => files, createPipelineRef: async () => {}, log: (m, e) => logged.push(`${m}: ${(e as Error)?.message}`) }).stop;

  const sha = 'a'.repeat(40);
  const plan = compile({
    files,
    context: { ref: 'main', isTag: false, sha, beforeSha: undefined, source: 'push', defaultBranch: 'main', projectPath: h.project.path, commitMessage: 'm', changedFiles: null, variables: {} },
  });
  expect(plan.errors).toEqual([]);
  const parent = await real.createPipeline({ projectId: h.project.id, ref: 'main', isTag: false, sha, source: 'push', plan });

  const until = Date.now() + 8000;
  let bridge = parent.jobs[0];
  while (bridge.status !== 'success' && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    bridge = (await real.read.job(bridge.id))!;
  }
  const children = (await real.read.pipelines({ projectId: h.project.id })).filter((p) => p.parentPipelineId === parent.pipeline.id);
  expect(bridge.status).toBe('success');
  expect(children).toHaveLength(1);
  expect(logged).toHaveLength(2);
  expect(logged[0]).toMatch(/unavailable/);
});
