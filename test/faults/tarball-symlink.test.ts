// Fault: an uploaded tarball whose entries are symlinks to a directory of the server. A real
// server (SQLite, real git, HTTP over a socket) takes POST /api/ui/pipelines; afterwards the
// project repository is cloned with the real `git` (every ref, incl. refs/pipelines/*) and
// searched for the marker file's content: it must never be there, whether pipeline creation
// failed (the link is all there is) or succeeded (a valid .gitlab-ci.yml beside the link).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createServer, type DispatcherServer } from '../../src/server/create-server.js';
import { loadServerConfig } from '../../src/server/config.js';
import { tarOf } from '../../src/git/test-support/tar-of.js';

const work = mkdtempSync(path.join(tmpdir(), 'gcd-fault-tarlink-'));
const serverDir = path.join(work, 'server-private');
const MARKER = `SERVER-PRIVATE-${process.pid}-${Date.now()}`;
let server: DispatcherServer;
let url = '';
let token = '';
const tried: string[] = [];

const run = promisify(execFile);

function tarOfDir(dir: string, members: string[]): Buffer {
  const out = path.join(work, `upload-${Math.random().toString(36).slice(2)}.tar.gz`);
  execFileSync('tar', ['-czf', out, '-C', dir, ...members]);
  return readFileSync(out);
}

async function upload(project: string, body: Buffer) {
  const r = await fetch(`${url}/api/ui/pipelines?project=${project}`, {
    method: 'POST',
    headers: { 'content-type': 'application/gzip', authorization: `Bearer ${token}` },
    body,
  });
  return { status: r.status, body: (await r.json()) as { pipeline?: { id: number } | null; message?: string } };
}

/** Mirror-clones the project (all refs) and returns every file of the checkout and every object's text. */
async function everythingIn(project: string): Promise<{ files: string[]; text: string }> {
  const remote = `${url.replace('http://', `http://anyone:${token}@`)}/${project}.git`;
  const mirror = path.join(work, `mirror-${project.replace('/', '-')}`);
  await run('git', ['clone', '-q', '--mirror', remote, mirror], { env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
  const objects = (await run('git', ['-C', mirror, 'cat-file', '--batch-all-objects', '--batch'], { maxBuffer: 64 * 1024 * 1024 })).stdout;
  const checkout = path.join(work, `checkout-${project.replace('/', '-')}`);
  await run('git', ['clone', '-q', mirror, checkout]);
  const files: string[] = [];
  const walk = (dir: string, rel = '') => {
    for (const name of readdirSync(dir)) {
      if (name === '.git') continue;
      const abs = path.join(dir, name);
      const st = lstatSync(abs);
      if (st.isDirectory()) walk(abs, `${rel}${name}/`);
      else files.push(`${rel}${name}${st.isSymbolicLink() ? ' (symlink)' : ''}`);
      // A symlink is not read through: its target is on this machine, not in the repository.
      if (st.isFile() && readFileSync(abs, 'utf8').includes(MARKER)) files.push(`${rel}${name} HAS THE MARKER`);
    }
  };
  walk(checkout);
  return { files, text: objects };
}

beforeAll(async () => {
  mkdirSync(serverDir);
  writeFileSync(path.join(serverDir, 'marker.txt'), `${MARKER}\n`);
  // A valid configuration in the server directory: the old intake imported it and succeeded.
  writeFileSync(path.join(serverDir, '.gitlab-ci.yml'), `leak:\n  script: ["echo ${MARKER}"]\n`);
  server = await createServer(loadServerConfig({ flags: { dataDir: path.join(work, 'data'), logLevel: 'silent', webRoot: null } }));
  url = await server.start();
  token = (await server.coordinator.createApiToken('t', 'user')).token;
});

afterAll(async () => {
  await server?.close();
  console.log(`[faults] tarball-symlink: tried ${tried.join('; ')}`);
  rmSync(work, { recursive: true, force: true });
});

describe('[faults] tarball whose entries are symlinks to a server directory', () => {
  it('only entry a symlink to the server directory: no pipeline, and the marker is nowhere in the cloned repository', async () => {
    const src = path.join(work, 'src-only-link');
    mkdirSync(src);
    symlinkSync(serverDir, path.join(src, 'proj'));
    const r = await upload('faults/only-link', tarOfDir(src, ['proj']));
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    const { files, text } = await everythingIn('faults/only-link');
    expect(files).toEqual(['proj (symlink)']);
    expect(text).not.toContain(MARKER);
    tried.push(`only entry "proj -> ${serverDir}": HTTP ${r.status} (${r.body.message?.slice(0, 60)}), clone holds [${files.join(', ')}], marker in 0 objects`);
  });

  it('a symlink beside a valid .gitlab-ci.yml: the pipeline is created, the link is committed as a link, the marker is nowhere', async () => {
    const src = path.join(work, 'src-link-and-ci');
    mkdirSync(src);
    writeFileSync(path.join(src, '.gitlab-ci.yml'), 'build:\n  script: ["true"]\n');
    symlinkSync(serverDir, path.join(src, 'leak-dir'));
    symlinkSync(path.join(serverDir, 'marker.txt'), path.join(src, 'leak-file'));
    const r = await upload('faults/link-and-ci', tarOfDir(src, ['.']));
    expect(r.status).toBe(201);
    const { files, text } = await everythingIn('faults/link-and-ci');
    expect(files.sort()).toEqual(['.gitlab-ci.yml', 'leak-dir (symlink)', 'leak-file (symlink)']);
    expect(text).not.toContain(MARKER);
    tried.push(`".gitlab-ci.yml" + "leak-dir -> ${serverDir}" + "leak-file -> marker": HTTP ${r.status} pipeline #${r.body.pipeline?.id}, clone holds [${files.sort().join(', ')}], marker in 0 objects`);
  });

  it('a symlink followed by an entry through it: refused with a 400 naming the entry, nothing written on the server', async () => {
    const body = tarOf([
      { name: 'link', type: '2', linkname: serverDir },
      { name: 'link/planted.txt', data: 'planted' },
    ]);
    const r = await upload('faults/through-link', body);
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/"link\/planted.txt" goes through the symbolic link "link"/);
    expect(readdirSync(serverDir).sort()).toEqual(['.gitlab-ci.yml', 'marker.txt']);
    tried.push(`"link -> ${serverDir}" then "link/planted.txt": HTTP ${r.status} "${r.body.message}", server directory unchanged`);
  });
});
