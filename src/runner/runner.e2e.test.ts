// End to end against OUR server (runner-api test server over real HTTP and git): the built-in
// runner with the shell executor runs real jobs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { job as planJob, need, planOf } from '../engine/test-support/plan-builder.js';
import { startRunnerApiTestServer, type RunnerApiTestServer } from '../runner-api/test-support/start-test-server.js';
import { jobNamed, startTestRunner, statusesWithTraces, traceOf, waitForPipeline } from './test-support/e2e.js';

describe('built-in runner against our server', () => {
  let t: RunnerApiTestServer;
  beforeAll(async () => {
    t = await startRunnerApiTestServer({ longPollMs: 1_000 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('runs a pipeline: git sources, artifacts passed to the next stage, trace stored', async () => {
    const r = await startTestRunner(t, { tags: ['basic'] });
    try {
      const { pipeline } = await t.createPipeline(
        planOf(
          ['build', 'test'],
          [
            planJob('build', {
              stage: 'build',
              tags: ['basic'],
              script: ['mkdir -p out', 'cat README.md > out/app.txt', 'echo artifact-payload-42 >> out/app.txt', 'echo built'],
              artifacts: { name: null, paths: ['out/'], exclude: [], untracked: false, when: 'on_success', expireIn: null, exposeAs: null, reports: {} },
            }),
            planJob('test', { stage: 'test', tags: ['basic'], script: ['grep artifact-payload-42 out/app.txt', 'cat out/app.txt'], needs: [need('build')] }),
          ],
        ),
        { files: { 'README.md': 'hello from the repo\n', '.gitlab-ci.yml': 'x: {script: [true]}\n' } },
      );
      const jobs = await waitForPipeline(t, pipeline.id);
      const expected: [string, string][] = [
        ['build', 'success'],
        ['test', 'success'],
      ];
      expect(await statusesWithTraces(t, jobs, expected)).toEqual(expected);
      const build = await traceOf(t, (await jobNamed(t, pipeline.id, 'build')).id);
      expect(build).toContain('\x1b[32;1m$ echo built\x1b[0;m');
      expect(build).toContain('section_start:');
      expect(build).toContain('Job succeeded');
      const test = await traceOf(t, (await jobNamed(t, pipeline.id, 'test')).id);
      expect(test).toContain('hello from the repo');
      expect(test).toContain('artifact-payload-42');
    } finally {
      await r.close();
    }
  });
});
