// `artifacts: expire_in` as GitLab honours it, with a real server, git and the built-in runner:
// - a running (unfinished) pipeline's artifacts are never expired: a later job gets the file;
// - the latest successful pipeline of a ref keeps its artifacts after expiry ("keep artifacts from
//   most recent successful jobs"); an older pipeline's are removed once a newer one succeeded;
// - a job whose dependency's artifacts were removed fails with missing_dependency_failure before
//   it runs (GitLab: Ci::Build#valid_dependency?, checked at pick-up);
// - an artifact without expire_in stays.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, type DispatcherServer } from '../../src/server/create-server.js';
import { loadServerConfig } from '../../src/server/config.js';
import { createRunner } from '../../src/runner/index.js';
import type { Job } from '../../src/engine/model.js';

const work = mkdtempSync(path.join(tmpdir(), 'gcd-expiry-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const files = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)])) : [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const CI = `
stages: [build, use]
make:
  stage: build
  script: [echo built > a.txt]
  artifacts: { paths: [a.txt], expire_in: 1 second }
kept:
  stage: build
  script: [echo b > b.txt]
  artifacts: { paths: [b.txt] }
use:
  stage: use
  when: manual
  script: [cat a.txt, grep -q built a.txt]
`;

describe('artifact expiry', () => {
  it('keeps what a running pipeline and the latest success need; removes the rest; a removed dependency fails the job', async () => {
    const dataDir = path.join(work, 'data');
    const server: DispatcherServer = await createServer(loadServerConfig({ flags: { dataDir, logLevel: 'silent', webRoot: null, longPollSeconds: 1 } }));
    const url = await server.start();
    const runner = createRunner({ url, token: (await server.coordinator.createRunner({ runUntagged: true })).token, concurrency: 2, buildsDir: path.join(work, 'b'), cacheDir: path.join(work, 'c') });
    const c = server.coordinator;
    const jobsOf = async (id: number) => (await c.read.pipeline(id))!.jobs.filter((j) => !j.retried);
    const named = async (id: number, name: string): Promise<Job> => (await jobsOf(id)).find((j) => j.name === name)!;
    const until = async (id: number, ok: (jobs: Job[]) => boolean) => {
      for (let i = 0; i < 160; i++) {
        if (ok(await jobsOf(id))) return;
        await sleep(250);
      }
      throw new Error(`pipeline ${id}: ${JSON.stringify((await jobsOf(id)).map((j) => [j.name, j.status]))}`);
    };
    try {
      const dir = path.join(work, 'proj');
      mkdirSync(dir);
      writeFileSync(path.join(dir, '.gitlab-ci.yml'), CI);
      const project = await c.ensureProject('local/expiry');
      const commit = await server.importDirectory({ project, dir, committedOnly: false, ref: 'main' });
      const create = async () => (await server.createPipelineFor({ project, ref: 'main', isTag: false, sha: commit.sha, source: 'push' })).detail!.pipeline.id;
      runner.start();

      // pipeline A: `make` done, `use` (manual) not yet: A is unfinished, its artifacts stay
      const a = await create();
      await until(a, (js) => js.find((j) => j.name === 'make')!.status === 'success' && js.find((j) => j.name === 'kept')!.status === 'success');
      const [makeArtifact] = await c.read.artifacts((await named(a, 'make')).id);
      expect(makeArtifact.expireAt).not.toBeNull();
      await sleep(Math.max(0, Date.parse(makeArtifact.expireAt!) - Date.now()) + 200);
      expect(await server.sweepExpiredArtifacts()).toBe(0);
      await c.playJob((await named(a, 'use')).id);
      await until(a, (js) => ['success', 'failed'].includes(js.find((j) => j.name === 'use')!.status));
      const useA = await named(a, 'use');
      expect(useA.status, (await server.readTrace(useA.id)).toString()).toBe('success');

      // A is the latest success of main: its expired artifact is kept
      expect(await server.sweepExpiredArtifacts()).toBe(0);
      expect(await c.read.artifacts((await named(a, 'make')).id)).toHaveLength(1);
      const blobsBefore = files(path.join(dataDir, 'artifacts')).length;

      // pipeline B on the same ref succeeds: A's expired artifact goes, B's and A's unexpiring stay
      const b = await create();
      await until(b, (js) => js.find((j) => j.name === 'use')!.status === 'manual' && js.find((j) => j.name === 'make')!.status === 'success');
      await c.playJob((await named(b, 'use')).id);
      await until(b, (js) => js.find((j) => j.name === 'use')!.status === 'success');
      expect((await c.read.pipeline(b))!.pipeline.status).toBe('success');
      const bArtifact = (await c.read.artifacts((await named(b, 'make')).id))[0];
      await sleep(Math.max(0, Date.parse(bArtifact.expireAt!) - Date.now()) + 200);
      expect(await server.sweepExpiredArtifacts()).toBe(1);
      expect(await c.read.artifacts((await named(a, 'make')).id)).toEqual([]);
      expect(await c.read.artifacts((await named(a, 'kept')).id)).toHaveLength(1);
      expect(await c.read.artifacts((await named(b, 'make')).id)).toHaveLength(1);
      expect(files(path.join(dataDir, 'artifacts')).length).toBe(blobsBefore + 2 - 1);

      // retrying A's `use`: its dependency's artifact is gone -> missing_dependency_failure, never run
      const retried = await c.retryJob((await named(a, 'use')).id);
      await until(a, (js) => js.find((j) => j.id === retried.id)!.status === 'failed');
      const failed = (await c.read.job(retried.id))!;
      expect(failed.failureReason).toBe('missing_dependency_failure');
      console.log(`[semantics] expiry: running pipeline kept its artifact, latest success kept, older removed (1), retry -> ${failed.failureReason}`);
    } finally {
      await runner.stop();
      await server.close();
    }
  });
});
