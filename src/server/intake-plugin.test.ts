// POST /api/ui/pipelines over a real socket against a real server (SQLite, git).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, type DispatcherServer } from './create-server.js';
import { loadServerConfig } from './config.js';

const work = mkdtempSync(path.join(tmpdir(), 'gcd-intake-'));
let server: DispatcherServer;
let url = '';
let token = '';
let tokenId = 0;

function tarball(files: Record<string, string>): Buffer {
  const dir = path.join(work, `src-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  const out = `${dir}.tar.gz`;
  execFileSync('tar', ['-czf', out, '-C', dir, '.']);
  return readFileSync(out);
}

const post = (body: Buffer, query: string, auth = true) =>
  fetch(`${url}/api/ui/pipelines?${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/gzip', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });

beforeAll(async () => {
  server = await createServer(loadServerConfig({ flags: { dataDir: path.join(work, 'data'), logLevel: 'silent', webRoot: null } }));
  url = await server.start();
  const created = await server.coordinator.createApiToken('t', 'user');
  token = created.token;
  tokenId = created.apiToken.id;
});
afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

describe('POST /api/ui/pipelines', () => {
  it('needs a token', async () => {
    const r = await post(tarball({ '.gitlab-ci.yml': 'a:\n  script: ["true"]\n' }), 'project=g/p', false);
    expect(r.status).toBe(401);
  });

  it('creates the project, commits the tarball and creates the pipeline with its ref', async () => {
    const r = await post(tarball({ '.gitlab-ci.yml': 'a:\n  script: ["true"]\nb:\n  script: ["true"]\n', 'x.txt': 'x' }), 'project=grp/app&ref=feature&variable=K%3DV');
    expect(r.status).toBe(201);
    const body = (await r.json()) as { pipeline: { id: number; ref: string; sha: string; source: string; variables: unknown[] }; jobs: { name: string }[] };
    expect(body.pipeline.ref).toBe('feature');
    expect(body.pipeline.source).toBe('api');
    expect(body.jobs.map((j) => j.name).sort()).toEqual(['a', 'b']);
    const repo = server.repos.pathFor('grp/app');
    const refSha = execFileSync('git', ['-C', repo, 'rev-parse', `refs/pipelines/${body.pipeline.id}`], { encoding: 'utf8' }).trim();
    expect(refSha).toBe(body.pipeline.sha);
    const files = execFileSync('git', ['-C', repo, 'ls-tree', '--name-only', body.pipeline.sha], { encoding: 'utf8' });
    expect(files.split('\n')).toContain('x.txt');
    const detail = await server.coordinator.read.pipeline(body.pipeline.id);
    expect(detail?.pipeline.variables).toEqual([{ key: 'K', value: 'V' }]);
    // GITLAB_USER_ID / GITLAB_USER_LOGIN: the uploading token; the rest from the snapshot commit
    expect(detail?.pipeline.commit?.user).toMatchObject({ id: tokenId, login: 't' });
    expect(detail?.pipeline.commit?.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('answers 400 with file:line:col diagnostics for an invalid configuration, and creates nothing', async () => {
    const before = (await server.coordinator.read.pipelines({})).length;
    const r = await post(tarball({ '.gitlab-ci.yml': 'a:\n  script: ["true"]\n  needs: [ghost]\n' }), 'project=grp/app');
    expect(r.status).toBe(400);
    const body = (await r.json()) as { error: string; diagnostics: { file: string; line: number; column: number; message: string }[] };
    expect(body.error).toBe('invalid_config');
    expect(body.diagnostics[0]).toMatchObject({ file: '.gitlab-ci.yml' });
    expect(body.diagnostics[0].line).toBeGreaterThan(1);
    expect(body.diagnostics[0].message).toMatch(/ghost/);
    expect((await server.coordinator.read.pipelines({})).length).toBe(before);
  });

  it('rejects a body that is not an archive and a bad project path with 400', async () => {
    expect((await post(Buffer.from('not a tarball at all'), 'project=grp/app')).status).toBe(400);
    expect((await post(tarball({ '.gitlab-ci.yml': 'a:\n  script: ["true"]\n' }), 'project=../etc')).status).toBe(400);
  });
});

describe('the commit message of an upload', () => {
  it('is "Import of tarball" by default and the given message (pipeline create --dir of a git work tree) otherwise', async () => {
    const files = { '.gitlab-ci.yml': 'a:\n  script: ["true"]\n' };
    const plain = (await (await post(tarball(files), 'project=grp/msg')).json()) as { pipeline: { commitMessage: string } };
    expect(plain.pipeline.commitMessage).toBe('Import of tarball');
    const titled = (await (await post(tarball({ ...files, 'b.txt': 'changed' }), `project=grp/msg&message=${encodeURIComponent('Fix the flaky test\n\nBody text')}`)).json()) as { pipeline: { id: number; commitMessage: string; sha: string } };
    expect(titled.pipeline.commitMessage).toBe('Fix the flaky test\n\nBody text');
    const subject = execFileSync('git', ['-C', server.repos.pathFor('grp/msg'), 'log', '-1', '--format=%s', titled.pipeline.sha], { encoding: 'utf8' }).trim();
    expect(subject).toBe('Fix the flaky test');
  });
});

describe('POST /api/ui/projects/:project/pipelines (Run pipeline)', () => {
  const run = (project: string, body: unknown, auth = true) =>
    fetch(`${url}/api/ui/projects/${encodeURIComponent(project)}/pipelines`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });

  it('starts a web pipeline for the ref with variables and the caller as its user', async () => {
    const up = (await (await post(tarball({ '.gitlab-ci.yml': 'a:\n  script: ["true"]\nweb-only:\n  script: ["true"]\n  rules: [{ if: $CI_PIPELINE_SOURCE == "web" }]\n' }), 'project=grp/run&ref=dev')).json()) as { pipeline: { sha: string } };
    const r = await run('grp/run', { ref: 'dev', variables: [{ key: 'DEPLOY', value: 'yes' }] });
    expect(r.status).toBe(201);
    const body = (await r.json()) as { pipeline: { id: number; ref: string; sha: string; source: string; variables: { key: string }[] }; jobs: { name: string }[] };
    expect(body.pipeline).toMatchObject({ ref: 'dev', sha: up.pipeline.sha, source: 'web', variables: [{ key: 'DEPLOY' }] });
    expect(body.jobs.map((j) => j.name).sort()).toEqual(['a', 'web-only']);
    const detail = await server.coordinator.read.pipeline(body.pipeline.id);
    expect(detail?.pipeline.variables).toEqual([{ key: 'DEPLOY', value: 'yes' }]);
    expect(detail?.pipeline.commit?.user).toMatchObject({ id: tokenId, login: 't' });
  });

  it('refuses without a token, for an unknown ref, bad variables or a bad ref, with 4xx', async () => {
    expect((await run('grp/run', { ref: 'dev' }, false)).status).toBe(401);
    const unknown = await run('grp/run', { ref: 'nope' });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { message: string }).message).toMatch(/no branch or tag "nope"/);
    expect((await run('grp/run', { ref: '' })).status).toBe(400);
    expect((await run('grp/run', { ref: '--upload-pack=x' })).status).toBe(400);
    expect((await run('grp/run', { ref: 'dev', variables: [{ key: '1 bad', value: 'x' }] })).status).toBe(400);
    expect((await run('grp/run', { ref: 'dev', variables: 'K=V' })).status).toBe(400);
    expect((await run('no/such', { ref: 'dev' })).status).toBe(404);
  });
});
