// End to end: `gitlab-ci-dispatcher run examples/basic` through real HTTP, real git and the
// built-in runner (the README's main job). Then the same data directory is reopened to check what
// the server stored: every job's final status, the artifact as both test jobs read it, each trace.
import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../support/run-cli.js';
import { createServer } from '../../src/server/create-server.js';
import { loadServerConfig } from '../../src/server/config.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');

describe('run examples/basic', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'gcd-e2e-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('runs build -> two parallel tests -> deploy and stores every trace', async () => {
    const project = path.join(work, 'basic');
    cpSync(path.join(repoRoot, 'examples', 'basic'), project, { recursive: true });
    const data = path.join(work, 'data');

    const result = await runCli(['run', project, '--json', '--data', data, '--concurrency', '2']);
    expect(result.stderr).not.toMatch(/Error|error:/);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout.trim().split('\n').pop()!);
    expect(summary.pipeline.status).toBe('success');
    const byName = Object.fromEntries(summary.jobs.map((j: { name: string; status: string }) => [j.name, j]));
    expect(Object.keys(byName).sort()).toEqual(['build', 'deploy', 'test:lint', 'test:unit']);
    for (const name of Object.keys(byName)) expect(byName[name].status, name).toBe('success');
    expect(byName.build.stage).toBe('build');
    expect(byName['test:unit'].stage).toBe('test');

    // Reopen the same data directory and read what the server stored.
    const server = await createServer(loadServerConfig({ flags: { dataDir: data, logLevel: 'silent' } }));
    try {
      const pipelines = await server.coordinator.read.pipelines({});
      expect(pipelines).toHaveLength(1);
      const detail = (await server.coordinator.read.pipeline(pipelines[0].id))!;
      const trace = async (name: string) => {
        const job = detail.jobs.find((j) => j.name === name && !j.retried)!;
        return (await server.readTrace(job.id, 0)).toString('utf8');
      };
      const build = await trace('build');
      expect(build).toContain('artifact-payload-42');
      expect(build).toMatch(/built at commit [0-9a-f]{8}/);
      expect(await trace('test:unit')).toContain('unit test read 2 lines from the build artifact');
      expect(await trace('test:lint')).toContain('lint saw artifact-payload-42');
      expect(await trace('deploy')).toContain(`deploying demo-${detail.pipeline.id}: hello from the pipeline`);
      for (const name of ['build', 'test:unit', 'test:lint', 'deploy']) {
        const text = await trace(name);
        expect(text).toContain('Job succeeded');
        // Every job checks out the pipeline's own commit, fetched or already present.
        expect(text).toContain(`Checking out ${detail.pipeline.sha.slice(0, 8)} as detached HEAD`);
      }
      // 4 jobs on 2 slots: at least two reuse a build directory this pipeline already fetched.
      const skipped = await Promise.all(['build', 'test:unit', 'test:lint', 'deploy'].map(async (n) => (await trace(n)).includes('is already fetched; skipping the fetch')));
      expect(skipped.filter(Boolean).length).toBeGreaterThanOrEqual(2);
      const buildJob = detail.jobs.find((j) => j.name === 'build')!;
      const artifacts = await server.coordinator.read.artifacts(buildJob.id);
      expect(artifacts.some((a) => a.fileType === 'archive' && a.size > 0)).toBe(true);
      // The two test jobs ran in parallel: each started before the other finished.
      const [a, b] = detail.jobs.filter((j) => j.stage === 'test');
      expect(Date.parse(a.startedAt!)).toBeLessThan(Date.parse(b.finishedAt!));
      expect(Date.parse(b.startedAt!)).toBeLessThan(Date.parse(a.finishedAt!));
    } finally {
      await server.close();
    }
  });
});
