// End to end against OUR server (runner-api test server over real HTTP and git): the built-in
// runner with the shell executor runs real jobs. Each test uses its own runner and tag.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanArtifacts } from '../ci/plan.js';
import { job as planJob, need, planOf } from '../engine/test-support/plan-builder.js';
import { startRunnerApiTestServer, type RunnerApiTestServer } from '../runner-api/test-support/start-test-server.js';
import { jobNamed, startTestRunner, statusesWithTraces, storedArtifacts, traceOf, waitForPipeline } from './test-support/e2e.js';

const artifacts = (over: Partial<PlanArtifacts>): PlanArtifacts => ({
  name: null,
  paths: [],
  exclude: [],
  untracked: false,
  when: 'on_success',
  expireIn: null,
  exposeAs: null,
  reports: {},
  ...over,
});
const pv = (key: string, value: string, raw = false) => ({ key, value, raw });

describe('built-in runner (shell executor) against our server', () => {
  let t: RunnerApiTestServer;
  beforeAll(async () => {
    t = await startRunnerApiTestServer({ longPollMs: 1_000 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('runs a pipeline: git sources, artifacts passed to the next stage, trace with sections and colours', async () => {
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
              artifacts: artifacts({ paths: ['out/'] }),
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
      expect(build).toContain('\x1b[32;1m$ echo built\x1b[0;m\nbuilt\n');
      for (const s of ['prepare_executor', 'get_sources', 'step_script', 'upload_artifacts_on_success']) {
        expect(build).toMatch(new RegExp(`section_start:\\d+:${s}\\r\\x1b\\[0K[^]*section_end:\\d+:${s}\\r\\x1b\\[0K`));
      }
      expect(build).toContain('\x1b[36;1mGetting source from Git repository\x1b[0;m');
      expect(build).toContain('\x1b[32;1mJob succeeded\x1b[0;m');
      const test = await traceOf(t, (await jobNamed(t, pipeline.id, 'test')).id);
      expect(test).toContain('hello from the repo\nartifact-payload-42\n');
    } finally {
      await r.close();
    }
  });

  it('variables: masked values and the job token never reach the trace; file, raw and $VAR expansion', async () => {
    const r = await startTestRunner(t, { tags: ['vars'] });
    try {
      const { project } = await t.createProject();
      await t.coordinator.setVariable({ projectId: project.id, key: 'SECRET', value: 'hunter2-very-secret', masked: true, protected: false, file: false, raw: false });
      await t.coordinator.setVariable({ projectId: project.id, key: 'CONFIG_FILE', value: 'line-from-file-var', masked: false, protected: false, file: true, raw: false });
      const { pipeline } = await t.createPipeline(
        planOf(
          ['test'],
          [
            planJob('vars', {
              tags: ['vars'],
              variables: [pv('WHO', 'world'), pv('GREETING', 'hello $WHO'), pv('LITERAL', 'keep $WHO', true)],
              script: [
                'echo "secret=$SECRET"',
                'echo "token=$CI_JOB_TOKEN"',
                'echo "pat=glpat-abcdefghij0123456789"',
                'echo "greeting=$GREETING literal=$LITERAL"',
                'echo "file at $CONFIG_FILE holds $(cat "$CONFIG_FILE")"',
                'echo "dir=$CI_PROJECT_DIR builds=$CI_BUILDS_DIR server=$CI_SERVER concurrent=$CI_CONCURRENT_ID"',
                'echo "status=$CI_JOB_STATUS"',
              ],
            }),
          ],
        ),
        { project },
      );
      const [job] = await waitForPipeline(t, pipeline.id);
      expect(await statusesWithTraces(t, [job], [['vars', 'success']])).toEqual([['vars', 'success']]);
      const trace = await traceOf(t, job.id);
      expect(trace).toContain('secret=[MASKED]');
      expect(trace).not.toContain('hunter2-very-secret');
      expect(trace).toContain('token=[MASKED]');
      expect(trace).toContain('pat=glpat-[MASKED]');
      expect(trace).toContain('greeting=hello world literal=keep $WHO');
      expect(trace).toMatch(/file at \S+\.tmp\/CONFIG_FILE holds line-from-file-var/);
      expect(trace).toMatch(new RegExp(`dir=${r.dir}/builds/[\\w-]{8}/0/${project.path} builds=${r.dir}/builds server=yes concurrent=0`));
      expect(trace).toContain('status=running');
    } finally {
      await r.close();
    }
  });

  it('a failing script: exit code and script_failure reported, later commands skipped, after_script sees CI_JOB_STATUS', async () => {
    const r = await startTestRunner(t, { tags: ['fail'] });
    try {
      const { pipeline } = await t.createPipeline(
        planOf(['test'], [planJob('fails', { tags: ['fail'], beforeScript: ['echo before'], script: ['echo one', 'exit 3', 'echo never'], afterScript: ['echo "after status=$CI_JOB_STATUS"', 'exit 1'] })]),
      );
      const [job] = await waitForPipeline(t, pipeline.id);
      expect(job.status).toBe('failed');
      expect(job.failureReason).toBe('script_failure');
      expect(job.exitCode).toBe(3);
      const trace = await traceOf(t, job.id);
      expect(trace).toContain('before\n');
      expect(trace).not.toContain('never\n');
      expect(trace).toContain('after status=failed');
      expect(trace).toContain('WARNING: after_script failed, but job will continue unaffected: exit code 1');
      expect(trace).toContain('ERROR: Job failed: exit code 3');
    } finally {
      await r.close();
    }
  });

  it('git: pre_get_sources_script hook, GIT_DEPTH shallow fetch, GIT_STRATEGY none/empty, GIT_CHECKOUT false, GIT_CLEAN_FLAGS', async () => {
    const r = await startTestRunner(t, { tags: ['git'] });
    try {
      const { project, sha } = await t.createProject({ files: { 'a.txt': 'A\n', '.gitlab-ci.yml': 'x: {script: [true]}\n' } });
      const jobs = [
        planJob('clone', {
          stage: 's1',
          tags: ['git'],
          variables: [pv('GIT_STRATEGY', 'clone'), pv('GIT_DEPTH', '1')],
          hooks: { preGetSourcesScript: ['echo "hook ran in $PWD"'], postGetSourcesScript: [] },
          script: ['cat a.txt', 'test "$(git rev-parse HEAD)" = "$CI_COMMIT_SHA"', 'test -f .git/shallow && echo shallow', 'echo junk > junk.txt'],
        }),
        planJob('fetch-keep', { stage: 's2', tags: ['git'], variables: [pv('GIT_CLEAN_FLAGS', 'none')], script: ['test -f junk.txt && echo junk-kept'] }),
        planJob('fetch-clean', { stage: 's3', tags: ['git'], script: ['test ! -f junk.txt && echo junk-cleaned'] }),
        planJob('none', { stage: 's4', tags: ['git'], variables: [pv('GIT_STRATEGY', 'none')], script: ['echo junk > junk.txt', 'ls'] }),
        planJob('nocheckout', { stage: 's5', tags: ['git'], variables: [pv('GIT_CHECKOUT', 'false')], script: ['test -f junk.txt && echo not-checked-out-nor-cleaned'] }),
        planJob('empty', { stage: 's6', tags: ['git'], variables: [pv('GIT_STRATEGY', 'empty')], script: ['test -z "$(ls -A)" && echo empty-dir'] }),
      ];
      const { pipeline } = await t.createPipeline(planOf(['s1', 's2', 's3', 's4', 's5', 's6'], jobs), { project, sha });
      const done = await waitForPipeline(t, pipeline.id);
      const expected = done.map((j) => [j.name, 'success'] as [string, string]);
      expect(await statusesWithTraces(t, done, expected)).toEqual(expected);
      const tr = async (n: string) => traceOf(t, (await jobNamed(t, pipeline.id, n)).id);
      const clone = await tr('clone');
      expect(clone).toMatch(/hook ran in \S+/);
      expect(clone.indexOf('hook ran')).toBeLessThan(clone.indexOf('Fetching changes with git depth set to 1'));
      expect(clone).toContain(`Checking out ${sha.slice(0, 8)} as detached HEAD (ref is main)`);
      expect(clone).toContain('A\n');
      expect(clone).toContain('shallow\n');
      expect(clone).not.toContain('glcbt-');
      expect(await tr('fetch-keep')).toContain('junk-kept');
      expect(await tr('fetch-clean')).toContain('junk-cleaned');
      expect(await tr('none')).toContain('Skipping Git repository setup');
      expect(await tr('nocheckout')).toContain('Skipping Git checkout');
      expect(await tr('empty')).toContain('empty-dir');
    } finally {
      await r.close();
    }
  });

  it('artifacts: ** globs, exclude, untracked, when on_failure, junit and dotenv reports with the payload type/format', async () => {
    const r = await startTestRunner(t, { tags: ['art'] });
    try {
      const { pipeline } = await t.createPipeline(
        planOf(
          ['build', 'use'],
          [
            planJob('make', {
              stage: 'build',
              tags: ['art'],
              script: [
                'mkdir -p out/tmp logs/a/b',
                'echo app > out/app.txt',
                'echo obj > out/tmp/x.o',
                'echo log > logs/a/b/run.log',
                'echo untracked > loose.txt',
                `printf '<testsuites><testsuite name="s" tests="1"><testcase name="c"/></testsuite></testsuites>' > junit.xml`,
                'echo BUILD_VERSION=1.2.3 > build.env',
              ],
              artifacts: artifacts({ paths: ['out/', '**/*.log'], exclude: ['out/tmp/**'], untracked: true, reports: { junit: ['junit.xml'], dotenv: ['build.env'] } }),
            }),
            planJob('use', { stage: 'use', tags: ['art'], needs: [need('make')], script: ['echo "version=$BUILD_VERSION"', 'cat loose.txt', 'test ! -e out/tmp/x.o'] }),
            planJob('broken', {
              stage: 'build',
              tags: ['art'],
              allowFailure: true,
              script: ['echo crash > crash.log', 'echo ok > ok.txt', 'exit 1'],
              artifacts: artifacts({ paths: ['crash.log'], when: 'on_failure' }),
            }),
          ],
        ),
      );
      const jobs = await waitForPipeline(t, pipeline.id);
      const make = await jobNamed(t, pipeline.id, 'make');
      expect(make.status).toBe('success');
      const stored = await storedArtifacts(t, make.id);
      const archive = stored.find((a) => a.type === 'archive')!;
      expect(archive.format).toBe('zip');
      expect(Object.keys(archive.files!).sort()).toEqual(expect.arrayContaining(['out/app.txt', 'logs/a/b/run.log', 'loose.txt']));
      expect(Object.keys(archive.files!)).not.toContain('out/tmp/x.o');
      const junit = stored.find((a) => a.type === 'junit')!;
      const dotenv = stored.find((a) => a.type === 'dotenv')!;
      expect(junit).toBeDefined();
      expect(dotenv).toBeDefined();
      const payloadFormats = Object.fromEntries(stored.map((a) => [a.type, a.format]));
      expect(payloadFormats.junit).toMatch(/gzip|raw|zip/);
      const use = jobs.find((j) => j.name === 'use')!;
      expect(use.status).toBe('success');
      const useTrace = await traceOf(t, use.id);
      expect(useTrace).toContain('version=1.2.3');
      expect(useTrace).toContain('untracked\n');
      const broken = jobs.find((j) => j.name === 'broken')!;
      expect(broken.status).toBe('failed');
      const brokenStored = await storedArtifacts(t, broken.id);
      expect(Object.keys(brokenStored.find((a) => a.type === 'archive')!.files!)).toEqual(['crash.log']);
      expect(await traceOf(t, broken.id)).toContain('Uploading artifacts for failed job');
    } finally {
      await r.close();
    }
  });

  it('cache: pushed per key, pulled by a later job, fallback keys, pull policy does not upload', async () => {
    const r = await startTestRunner(t, { tags: ['cache'] });
    try {
      const cache = (over: object) => ({ key: 'deps-$CI_COMMIT_REF_SLUG', keyFiles: null, keyPrefix: null, paths: ['vendor/'], untracked: false, policy: 'pull-push' as const, when: 'on_success' as const, fallbackKeys: [], ...over });
      const { pipeline } = await t.createPipeline(
        planOf(
          ['one', 'two', 'three'],
          [
            planJob('fill', { stage: 'one', tags: ['cache'], cache: [cache({ policy: 'push' })], script: ['mkdir -p vendor', 'echo cached-dep > vendor/dep.txt'] }),
            planJob('read', { stage: 'two', tags: ['cache'], cache: [cache({ policy: 'pull' })], script: ['cat vendor/dep.txt', 'echo changed > vendor/dep.txt'] }),
            planJob('fallback', {
              stage: 'three',
              tags: ['cache'],
              cache: [cache({ key: 'missing-key', fallbackKeys: ['deps-main'], policy: 'pull' })],
              script: ['cat vendor/dep.txt'],
            }),
          ],
        ),
      );
      const jobs = await waitForPipeline(t, pipeline.id);
      const expected = jobs.map((j) => [j.name, 'success'] as [string, string]);
      expect(await statusesWithTraces(t, jobs, expected)).toEqual(expected);
      const tr = async (n: string) => traceOf(t, (await jobNamed(t, pipeline.id, n)).id);
      expect(await tr('fill')).toContain('Created cache');
      const read = await tr('read');
      // The coordinator suffixes keys (-protected / -non_protected) as GitLab does.
      const key = /Checking cache for (deps-main\S*)\.\.\./.exec(read)![1];
      expect(read).toContain('cached-dep');
      expect(read).toContain(`Not uploading cache ${key} due to policy`);
      const fb = await tr('fallback');
      expect(fb).toMatch(/Checking cache for missing-key\S*\.\.\.\n.*file does not exist/);
      expect(fb).toContain('cached-dep');
    } finally {
      await r.close();
    }
  });

  it('job timeout: killed with its children, failed with job_execution_timeout', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-timeout-'));
    const r = await startTestRunner(t, { tags: ['timeout'] });
    try {
      const { pipeline } = await t.createPipeline(
        planOf(['test'], [planJob('slow', { tags: ['timeout'], timeout: 2, script: [`sleep 300 & echo $! > ${dir}/pid`, 'sleep 300'] })]),
      );
      const [job] = await waitForPipeline(t, pipeline.id);
      expect(job.status).toBe('failed');
      expect(job.failureReason).toBe('job_execution_timeout');
      expect(await traceOf(t, job.id)).toContain('ERROR: Job failed: execution took longer than 2s seconds');
      const pid = Number(await readFile(path.join(dir, 'pid'), 'utf8'));
      // A killed process may linger a moment as a zombie until reaped: wait (bounded).
      for (let i = 0; i < 200 && isAlive(pid); i++) await new Promise((res) => setTimeout(res, 50));
      expect(isAlive(pid)).toBe(false);
    } finally {
      await r.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
