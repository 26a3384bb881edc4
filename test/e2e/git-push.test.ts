// `git push` over smart HTTP with an API token: the first push creates the project, every push
// creates a pipeline (CI_PIPELINE_SOURCE=push), and `rules:changes` sees what the push changed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, type DispatcherServer } from '../../src/server/create-server.js';
import { loadServerConfig } from '../../src/server/config.js';

const work = mkdtempSync(path.join(tmpdir(), 'gcd-push-'));
let server: DispatcherServer;
let remote = '';
const repo = path.join(work, 'repo');
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
// Pushes talk to the server in this process: they must not block its event loop.
const push = (url: string) => promisify(execFile)('git', ['push', '-q', url, 'main'], { cwd: repo, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });

beforeAll(async () => {
  server = await createServer(loadServerConfig({ flags: { dataDir: path.join(work, 'data'), logLevel: (process.env.GCD_TEST_LOG as 'info') ?? 'silent', webRoot: null } }));
  const url = await server.start();
  const { token } = await server.coordinator.createApiToken('pusher', 'user');
  remote = `${url.replace('http://', `http://anyone:${token}@`)}/team/pushed.git`;
  mkdirSync(path.join(repo, 'src'), { recursive: true });
  mkdirSync(path.join(repo, 'docs'));
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 't@example.com');
  git('config', 'user.name', 'T');
  writeFileSync(
    path.join(repo, '.gitlab-ci.yml'),
    `
compile:
  script: [make]
  rules:
    - changes: [src/**/*]
docs:
  script: [make docs]
  rules:
    - changes: [docs/*]
always:
  script: [echo hi]
`,
  );
  writeFileSync(path.join(repo, 'src', 'a.c'), 'int main(){}\n');
  writeFileSync(path.join(repo, 'docs', 'x.md'), '# x\n');
  git('add', '-A');
  git('commit', '-qm', 'first');
});

afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

const jobsOf = async (id: number) => (await server.coordinator.read.pipeline(id))!.jobs.map((j) => j.name).sort();

describe('git push', () => {
  it('is refused without a token, and with a wrong one', async () => {
    await expect(push(remote.replace(/\/\/anyone:[^@]+@/, '//'))).rejects.toThrow();
    await expect(push(remote.replace(/\/\/anyone:[^@]+@/, '//anyone:wrong-token@'))).rejects.toThrow();
    expect(await server.coordinator.read.projectByPath('team/pushed')).toBeNull();
  });

  it('creates the project and a push pipeline; a docs-only push skips the src job', async () => {
    await push(remote);
    const project = await server.coordinator.read.projectByPath('team/pushed');
    expect(project).not.toBeNull();
    const first = await server.coordinator.read.pipelines({ projectId: project!.id });
    expect(first).toHaveLength(1);
    expect(first[0].source).toBe('push');
    expect(first[0].sha).toBe(git('rev-parse', 'HEAD').trim());
    // A new branch: GitLab treats every file as changed.
    expect(await jobsOf(first[0].id)).toEqual(['always', 'compile', 'docs']);

    writeFileSync(path.join(repo, 'docs', 'x.md'), '# x, edited\n');
    git('commit', '-qam', 'docs only');
    await push(remote);
    const all = await server.coordinator.read.pipelines({ projectId: project!.id });
    expect(all).toHaveLength(2);
    const second = all.find((p) => p.id !== first[0].id)!;
    expect(second.beforeSha).toBe(first[0].sha);
    expect(await jobsOf(second.id)).toEqual(['always', 'docs']);
  });
});
