// `cache:key:files` end to end: git push to a real server, a runner polls jobs/request, and the
// cache key in the payload is derived from the last commits that changed the listed files, as
// GitLab does (SHA-1 of the sorted commit ids joined with "-", `prefix-` in front; "default" when
// no listed file exists), plus the protected suffix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, type DispatcherServer } from '../../src/server/create-server.js';
import { loadServerConfig } from '../../src/server/config.js';
import { RunnerClient } from '../../src/runner-api/test-support/runner-client.js';

const work = mkdtempSync(path.join(tmpdir(), 'gcd-cachekey-'));
let server: DispatcherServer;
let remote = '';
let runner: RunnerClient;
const repo = path.join(work, 'repo');
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const push = () => promisify(execFile)('git', ['push', '-q', remote, 'main'], { cwd: repo, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

const CI = `
build:
  script: [bundle install]
  cache:
    - key:
        files: [Gemfile.lock, package.json]
        prefix: gems
      paths: [vendor/]
    - key:
        files: [missing.lock]
      paths: [a/]
    - key:
        files: [missing.lock]
        prefix: pfx
      paths: [b/]
`;

function commit(files: Record<string, string>, message: string): string {
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(repo, name), text);
  git('add', '-A');
  git('commit', '-qm', message);
  return git('rev-parse', 'HEAD');
}

async function keysOfNextPush(): Promise<string[]> {
  await push();
  for (let i = 0; i < 50; i++) {
    const { res, job } = await runner.requestJob();
    if (res.status === 201) return job!.cache!.map((c) => c.key);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no job');
}

beforeAll(async () => {
  server = await createServer(loadServerConfig({ flags: { dataDir: path.join(work, 'data'), logLevel: 'silent', webRoot: null, longPollSeconds: 0 } }));
  const url = await server.start();
  const { token } = await server.coordinator.createApiToken('pusher', 'user');
  remote = `${url.replace('http://', `http://anyone:${token}@`)}/team/cached.git`;
  runner = new RunnerClient(url, (await server.coordinator.createRunner({ runUntagged: true })).token);
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  git('config', 'user.email', 't@example.com');
  git('config', 'user.name', 'T');
});

afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

describe('cache:key:files', () => {
  it('keys follow the last commits that changed the files; a commit not touching them keeps the key', async () => {
    const c1 = commit({ '.gitlab-ci.yml': CI, 'Gemfile.lock': 'rack 1\n', 'package.json': '{}\n' }, 'first');
    const k1 = await keysOfNextPush();
    expect(k1).toEqual([`gems-${sha1(c1)}-protected`, 'default-protected', 'pfx-default-protected']);

    const c2 = commit({ 'Gemfile.lock': 'rack 2\n' }, 'bump rack');
    const k2 = await keysOfNextPush();
    expect(k2[0]).toBe(`gems-${sha1([c1, c2].sort().join('-'))}-protected`);
    expect(k2[0]).not.toBe(k1[0]);

    commit({ 'README.md': 'hello\n' }, 'docs only');
    const k3 = await keysOfNextPush();
    expect(k3).toEqual(k2);
    console.log(`[semantics] cache:key:files: ${k1[0]} -> ${k2[0]} (file changed) -> ${k3[0]} (unchanged)`);
  });
});
