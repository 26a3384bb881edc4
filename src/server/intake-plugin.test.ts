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
