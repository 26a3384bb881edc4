// `artifacts: expire_in` is honoured: after expiry a sweep removes the record and the blob; an
// artifact without expire_in stays.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer } from '../../src/server/create-server.js';
import { loadServerConfig } from '../../src/server/config.js';
import { createRunner } from '../../src/runner/index.js';

const work = mkdtempSync(path.join(tmpdir(), 'gcd-expiry-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const files = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)])) : [];

describe('artifact expiry', () => {
  it('removes expired artifacts and keeps the others', async () => {
    const dataDir = path.join(work, 'data');
    const server = await createServer(loadServerConfig({ flags: { dataDir, logLevel: 'silent', webRoot: null, longPollSeconds: 1 } }));
    const url = await server.start();
    const runner = createRunner({ url, token: (await server.coordinator.createRunner({ runUntagged: true })).token, concurrency: 2, buildsDir: path.join(work, 'b'), cacheDir: path.join(work, 'c') });
    try {
      const dir = path.join(work, 'proj');
      mkdirSync(dir);
      writeFileSync(
        path.join(dir, '.gitlab-ci.yml'),
        `
short:
  script: [echo a > a.txt]
  artifacts: { paths: [a.txt], expire_in: 2 seconds }
kept:
  script: [echo b > b.txt]
  artifacts: { paths: [b.txt] }
`,
      );
      const project = await server.coordinator.ensureProject('local/expiry');
      const commit = await server.importDirectory({ project, dir, committedOnly: false, ref: 'main' });
      const { detail } = await server.createPipelineFor({ project, ref: 'main', isTag: false, sha: commit.sha, source: 'push' });
      runner.start();
      let pipeline = detail!.pipeline;
      for (let i = 0; i < 120 && !['success', 'failed'].includes(pipeline.status); i++) {
        await new Promise((r) => setTimeout(r, 250));
        pipeline = (await server.coordinator.read.pipeline(pipeline.id))!.pipeline;
      }
      expect(pipeline.status).toBe('success');
      const jobs = (await server.coordinator.read.pipeline(pipeline.id))!.jobs;
      const short = jobs.find((j) => j.name === 'short')!;
      const kept = jobs.find((j) => j.name === 'kept')!;
      const [shortArtifact] = await server.coordinator.read.artifacts(short.id);
      expect(shortArtifact.expireAt).not.toBeNull();
      expect((await server.coordinator.read.artifacts(kept.id))[0].expireAt).toBeNull();
      const blobsBefore = files(path.join(dataDir, 'artifacts')).length;

      await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(shortArtifact.expireAt!) - Date.now()) + 200));
      expect(await server.sweepExpiredArtifacts()).toBe(1);
      expect(await server.coordinator.read.artifacts(short.id)).toEqual([]);
      expect(await server.coordinator.read.artifacts(kept.id)).toHaveLength(1);
      expect(files(path.join(dataDir, 'artifacts')).length).toBe(blobsBefore - 1);
    } finally {
      await runner.stop();
      await server.close();
    }
  });
});
