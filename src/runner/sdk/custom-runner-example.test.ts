// The SDK example (examples/custom-runner) end to end against OUR server: a shell job writes
// the lab definition as an artifact; the lab runner's `submit` handler takes it from the
// dependency artifacts, submits it to the fake lab, follows the lab log into the trace,
// uploads the lab log as an artifact, and fails the job when the lab says "incomplete".
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { job as planJob, need, planOf } from '../../engine/test-support/plan-builder.js';
import { startRunnerApiTestServer, type RunnerApiTestServer } from '../../runner-api/test-support/start-test-server.js';
import { startTestRunner, statusesWithTraces, storedArtifacts, tempDir, traceOf, waitForPipeline } from '../test-support/e2e.js';
import type { Runner, RunnerOptions } from '../index.js';

type FakeLab = { url: string; jobs: Map<number, unknown>; close(): Promise<void> };
const exampleDir = path.resolve(import.meta.dirname, '../../../examples/custom-runner');
// Loaded by URL so that tsc (rootDir src/) does not compile the example into dist/.
const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(path.join(exampleDir, file)).href)) as T;

describe('examples/custom-runner against our server', () => {
  let t: RunnerApiTestServer;
  let lab: FakeLab;
  let labRunner: Runner;
  let labDir: Awaited<ReturnType<typeof tempDir>>;
  let shell: Awaited<ReturnType<typeof startTestRunner>>;

  beforeAll(async () => {
    t = await startRunnerApiTestServer({ longPollMs: 1_000 });
    const { startFakeLab } = await load<{ startFakeLab(o: { tickMs?: number; token?: string }): Promise<FakeLab> }>('fake-lab.ts');
    const { createLabRunner } = await load<{ createLabRunner(o: Omit<RunnerOptions, 'route' | 'handlers'>): Runner }>('lab-runner.ts');
    lab = await startFakeLab({ tickMs: 10, token: 'lab-secret-token-123' });
    shell = await startTestRunner(t, { tags: ['prep'] });
    const { token } = await t.createRunner({ tags: ['lab'], runUntagged: false });
    labDir = await tempDir();
    labRunner = createLabRunner({
      url: t.url,
      token,
      concurrency: 2,
      buildsDir: path.join(labDir.dir, 'builds'),
      cacheDir: path.join(labDir.dir, 'cache'),
      pollIntervalMs: 200,
      trace: { updateIntervalMs: 200, finalIntervalMs: 100 },
    });
    labRunner.start();
  });
  afterAll(async () => {
    await labRunner?.stop({ abort: true });
    await shell?.close();
    await labDir?.cleanup();
    await lab?.close();
    await t?.close();
  });

  const pipelineFor = (outcome: string) =>
    planOf(
      ['prepare', 'lab'],
      [
        planJob('prepare', {
          stage: 'prepare',
          tags: ['prep'],
          script: [`echo '{"name":"smoke","steps":["boot","login","run tests"],"outcome":"${outcome}"}' > lab-job.json`],
          artifacts: { name: null, paths: ['lab-job.json'], exclude: [], untracked: false, when: 'on_success', expireIn: null, exposeAs: null, reports: {} },
        }),
        planJob('lab', {
          stage: 'lab',
          tags: ['lab'],
          needs: [need('prepare')],
          variables: [
            { key: 'LAB_URL', value: lab.url, raw: false },
            { key: 'LAB_TOKEN', value: 'lab-secret-token-123', raw: false },
            { key: 'LAB_POLL_MS', value: '20', raw: false },
          ],
          script: ['submit lab-job.json'],
          artifacts: { name: null, paths: ['lab-*.log'], exclude: [], untracked: false, when: 'always', expireIn: null, exposeAs: null, reports: {} },
        }),
      ],
    );

  it('a complete lab run: job succeeds, lab log followed into the trace and uploaded', async () => {
    const { pipeline } = await t.createPipeline(pipelineFor('complete'));
    const jobs = await waitForPipeline(t, pipeline.id);
    const expected: [string, string][] = [
      ['prepare', 'success'],
      ['lab', 'success'],
    ];
    expect(await statusesWithTraces(t, jobs, expected)).toEqual(expected);
    const labJob = jobs.find((j) => j.name === 'lab')!;
    const trace = await traceOf(t, labJob.id);
    expect(trace).toContain('$ submit lab-job.json');
    expect(trace).toMatch(/\[lab\] smoke: step 3\/3 run tests ok/);
    expect(trace).toMatch(/Lab job \d+ finished: complete/);
    const [archive] = await storedArtifacts(t, labJob.id);
    expect(archive.type).toBe('archive');
    const [name, content] = Object.entries(archive.files!)[0];
    expect(name).toMatch(/^lab-\d+\.log$/);
    expect(content).toContain('finished, health complete');
  });

  it('an incomplete lab run fails the job, and the lab log is still uploaded (when: always)', async () => {
    const { pipeline } = await t.createPipeline(pipelineFor('incomplete'));
    const jobs = await waitForPipeline(t, pipeline.id);
    const labJob = jobs.find((j) => j.name === 'lab')!;
    expect(labJob.status).toBe('failed');
    expect(labJob.failureReason).toBe('script_failure');
    const trace = await traceOf(t, labJob.id);
    expect(trace).toMatch(/ERROR: Job failed: lab job \d+ ended "incomplete"/);
    const [archive] = await storedArtifacts(t, labJob.id);
    expect(Object.values(archive.files!)[0]).toContain('health incomplete');
  });

  it('an unknown command fails the job with a clear message', async () => {
    const plan = pipelineFor('complete');
    plan.jobs[1] = { ...plan.jobs[1], script: ['flash firmware.bin'] };
    const { pipeline } = await t.createPipeline(plan);
    const jobs = await waitForPipeline(t, pipeline.id);
    const labJob = jobs.find((j) => j.name === 'lab')!;
    expect(labJob.status).toBe('failed');
    expect(await traceOf(t, labJob.id)).toContain('unknown command "flash"');
  });
});
