// Fault: hostile YAML (a billion-laughs alias bomb, a !reference list bomb, invalid UTF-8) must
// be reported invalid with a position, never accepted with content silently cut. Checked through
// the `lint` CLI (a real process, exit 2), the lint API and the pipeline-creation API (real HTTP).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type DispatcherServer } from '../../src/server/create-server.js';
import { loadServerConfig } from '../../src/server/config.js';
import { runCli } from '../support/run-cli.js';

const work = mkdtempSync(path.join(tmpdir(), 'gcd-alias-bomb-'));
let server: DispatcherServer;
let url = '';
let token = '';
const held: string[] = [];

const ALIAS_BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...Array.from({ length: 12 }, (_, i) => `l${i + 1}: &l${i + 1} [${Array(9).fill(i === 0 ? '*a' : `*l${i}`).join(',')}]`),
  'job:',
  '  script: *l12',
  '',
].join('\n');
const REFERENCE_BOMB = [
  '.a:\n  script: [x, x, x, x, x, x, x, x, x, x]',
  ...Array.from({ length: 5 }, (_, i) => `.b${i}:\n  script: [${Array(10).fill(`!reference [${i === 0 ? '.a' : `.b${i - 1}`}, script]`).join(', ')}]`),
  'job:\n  script: !reference [.b4, script]\n',
].join('\n');
const BAD_UTF8 = Buffer.concat([Buffer.from('job:\n  script:\n    - echo "h'), Buffer.from([0xc3, 0x28]), Buffer.from('llo"\n')]);

const cases: { name: string; content: string | Buffer; where: string; message: string }[] = [
  { name: 'alias bomb', content: ALIAS_BOMB, where: '.gitlab-ci.yml:5:26', message: 'The parsed YAML is too big' },
  { name: '!reference bomb', content: REFERENCE_BOMB, where: '.gitlab-ci.yml:12:11', message: 'The parsed YAML is too big: a list has more than 50000 items once its nested lists and !reference tags are expanded' },
  { name: 'invalid UTF-8', content: BAD_UTF8, where: '.gitlab-ci.yml:3:14', message: 'invalid byte sequence in UTF-8 (invalid trailing UTF-8 octet: 0xc3 0x28)' },
];

function dirWith(content: string | Buffer): string {
  const dir = mkdtempSync(path.join(work, 'p-'));
  writeFileSync(path.join(dir, '.gitlab-ci.yml'), content);
  return dir;
}

function tarball(content: string | Buffer): Buffer {
  const dir = dirWith(content);
  execFileSync('tar', ['-czf', `${dir}.tar.gz`, '-C', dir, '.']);
  return readFileSync(`${dir}.tar.gz`);
}

beforeAll(async () => {
  mkdirSync(work, { recursive: true });
  server = await createServer(loadServerConfig({ flags: { dataDir: path.join(work, 'data'), logLevel: 'silent', webRoot: null } }));
  url = await server.start();
  token = (await server.coordinator.createApiToken('t', 'user')).token;
});
afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
  console.log(`[faults] alias-bomb:\n  ${held.join('\n  ')}`);
});

describe('hostile YAML is invalid, with a position, and nothing is cut', () => {
  it('the lint API answers a valid file (JSON body, as GitLab takes it) and needs a token', async () => {
    const content = 'build:\n  script: [make]\ntest:\n  script: [make test]\n  needs: [build]\n';
    const post = (headers: Record<string, string>) => fetch(`${url}/api/ui/lint?ref=main`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ content }) });
    expect((await post({})).status).toBe(401);
    const r = await post({ authorization: `Bearer ${token}` });
    expect(r.status).toBe(200);
    const lint = (await r.json()) as { valid: boolean; errors: unknown[]; jobs: { name: string }[] };
    expect(lint).toMatchObject({ valid: true, errors: [] });
    expect(lint.jobs.map((j) => j.name)).toEqual(['build', 'test']);
    const bad = await fetch(`${url}/api/ui/lint`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ nope: 1 }) });
    expect(bad.status).toBe(400);
  });

  for (const c of cases) {
    it(`lint CLI: ${c.name} -> exit 2`, async () => {
      const dir = dirWith(c.content);
      const text = await runCli(['lint', dir], { timeoutMs: 60_000 });
      expect(text.code).toBe(2);
      expect(text.stderr).toContain(`${c.where}: error: ${c.message}`);
      expect(text.stdout).toMatch(/^invalid: 0 job\(s\)/m);
      const json = await runCli(['lint', '--json', dir], { timeoutMs: 60_000 });
      expect(json.code).toBe(2);
      const lint = JSON.parse(json.stdout) as { valid: boolean; errors: string[] };
      expect(lint.valid).toBe(false);
      expect(JSON.stringify(lint.errors)).toContain(c.message.slice(0, 40));
      held.push(`lint ${c.name}: exit 2, "${c.where}: ${c.message}", --json valid=false`);
    });

    it(`lint API: ${c.name} -> valid: false`, async () => {
      const r = await fetch(`${url}/api/ui/lint`, { method: 'POST', headers: { 'content-type': 'application/x-yaml', authorization: `Bearer ${token}` }, body: c.content });
      expect(r.status).toBe(200);
      const lint = (await r.json()) as { valid: boolean; errors: { file: string; line: number; column: number; message: string }[]; jobs: unknown[] };
      expect(lint.valid).toBe(false);
      expect(lint.errors.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`)).toEqual([`${c.where}: ${c.message}`]);
      expect(lint.jobs).toEqual([]);
      held.push(`POST /api/ui/lint ${c.name}: valid=false "${c.where}: ${c.message}"`);
    });

    it(`HTTP pipeline creation: ${c.name} -> 400 invalid_config, nothing created`, async () => {
      const before = (await server.coordinator.read.pipelines({})).length;
      const started = performance.now();
      const r = await fetch(`${url}/api/ui/pipelines?project=grp/bomb`, { method: 'POST', headers: { 'content-type': 'application/gzip', authorization: `Bearer ${token}` }, body: tarball(c.content) });
      const ms = Math.round(performance.now() - started);
      expect(r.status).toBe(400);
      const body = (await r.json()) as { error: string; diagnostics: { file: string; line: number; column: number; message: string }[] };
      expect(body.error).toBe('invalid_config');
      expect(body.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`)).toEqual([`${c.where}: ${c.message}`]);
      expect((await server.coordinator.read.pipelines({})).length).toBe(before);
      held.push(`POST /api/ui/pipelines ${c.name}: 400 invalid_config "${c.where}: ${c.message}" in ${ms} ms, no pipeline`);
    });
  }
});
