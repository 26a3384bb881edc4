// `git push` over smart HTTP fires the project's hooks with push_events: a "Push Hook" (object_kind
// push) with before/after, the ref, the pusher and the head commit, received on 127.0.0.1; a hook
// without push_events gets nothing from the push. A pushed tag: a "Tag Push Hook" (object_kind tag_push)
// to hooks with tag_push_events only.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServerConfig } from '../../src/server/config.js';
import { createServer, type DispatcherServer } from '../../src/server/create-server.js';
import { eventually } from '../../src/server/test-support/hosted-project.js';

const work = mkdtempSync(path.join(tmpdir(), 'gcd-push-hook-'));
const repo = path.join(work, 'repo');
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
let server: DispatcherServer;
let receiver: http.Server;
let remote = '';
const received: { path: string; headers: http.IncomingHttpHeaders; body: Record<string, unknown> }[] = [];
const push = () => promisify(execFile)('git', ['push', '-q', remote, 'main'], { cwd: repo, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });

beforeAll(async () => {
  server = await createServer(loadServerConfig({ flags: { dataDir: path.join(work, 'data'), logLevel: 'silent', webRoot: null } }), { automation: { hookPollMs: 100 } });
  const url = await server.start();
  const { token } = await server.coordinator.createApiToken('pusher', 'user');
  remote = `${url.replace('http://', `http://anyone:${token}@`)}/team/hooked.git`;
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  execFileSync('mkdir', ['-p', repo]);
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'dev@example.com');
  git('config', 'user.name', 'Dev');
  writeFileSync(path.join(repo, '.gitlab-ci.yml'), 'j:\n  script: [echo]\n');
  git('add', '-A');
  git('commit', '-qm', 'first');
});
afterAll(async () => {
  await server?.close();
  await new Promise((r) => receiver?.close(r));
  rmSync(work, { recursive: true, force: true });
});

describe('push hooks', () => {
  it('a branch push is delivered to hooks with push_events only', async () => {
    await push(); // creates the project
    const project = (await server.coordinator.read.projectByPath('team/hooked'))!;
    const port = (receiver.address() as { port: number }).port;
    const { hooks } = server.automation.automation;
    await hooks.create(project.id, { url: `http://127.0.0.1:${port}/push`, token: 'push-secret', pushEvents: true, pipelineEvents: false, jobEvents: false, enableSslVerification: true });
    await hooks.create(project.id, { url: `http://127.0.0.1:${port}/pipelines-only`, token: null, pushEvents: false, pipelineEvents: true, jobEvents: false, enableSslVerification: true });
    const before = git('rev-parse', 'HEAD').trim();
    writeFileSync(path.join(repo, 'README.md'), 'hello\n');
    git('add', '-A');
    git('commit', '-qm', 'second commit\n\nwith a body');
    const after = git('rev-parse', 'HEAD').trim();
    await push();
    const got = await eventually(async () => received.find((r) => r.headers['x-gitlab-event'] === 'Push Hook'), 10_000, 'a push hook');
    expect(got.path).toBe('/push');
    expect(got.headers['x-gitlab-token']).toBe('push-secret');
    expect(got.body).toMatchObject({
      object_kind: 'push',
      before,
      after,
      ref: 'refs/heads/main',
      checkout_sha: after,
      project_id: project.id,
      total_commits_count: 1,
      project: { path_with_namespace: 'team/hooked' },
    });
    expect((got.body.commits as { id: string; title: string; author: { email: string } }[])[0]).toMatchObject({ id: after, title: 'second commit', author: { email: 'dev@example.com' } });
    // the pipeline hook arrives at the other hook; no push there
    await eventually(async () => received.find((r) => r.path === '/pipelines-only'), 10_000, 'a pipeline hook');
    expect(received.filter((r) => r.path === '/pipelines-only').every((r) => r.headers['x-gitlab-event'] === 'Pipeline Hook')).toBe(true);
  });

  it('a tag push is delivered to hooks with tag_push_events only', async () => {
    const project = (await server.coordinator.read.projectByPath('team/hooked'))!;
    const port = (receiver.address() as { port: number }).port;
    await server.automation.automation.hooks.create(project.id, { url: `http://127.0.0.1:${port}/tags`, token: null, pushEvents: false, tagPushEvents: true, pipelineEvents: false, jobEvents: false, enableSslVerification: true });
    const sha = git('rev-parse', 'HEAD').trim();
    git('tag', 'v1.0');
    await promisify(execFile)('git', ['push', '-q', remote, 'v1.0'], { cwd: repo, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
    const got = await eventually(async () => received.find((r) => r.headers['x-gitlab-event'] === 'Tag Push Hook'), 10_000, 'a tag push hook');
    expect(got.path).toBe('/tags');
    expect(got.body).toMatchObject({ object_kind: 'tag_push', event_name: 'tag_push', ref: 'refs/tags/v1.0', after: sha, checkout_sha: sha, project_id: project.id });
    // the branch-push hook (push_events, no tag_push_events) got no push for the tag
    expect(received.filter((r) => r.path === '/push').map((r) => r.body.ref)).not.toContain('refs/tags/v1.0');
  });
});
