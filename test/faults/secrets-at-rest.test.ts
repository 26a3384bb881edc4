// Secrets at rest, end to end through the real CLI processes:
// - `run`: after a pipeline (trace, artifacts, dotenv, a repository), nothing the server wrote in
//   the data directory is readable by group or others; the jobs' own files keep normal modes;
//   pipeline and dotenv variable values are not in the database files.
// - `serve --log-level info`: tokens sent as ?token= / private_token / job_token / access_token or
//   in auth headers never reach the log; the key file is 0600 and never logged; a variable value is
//   not in the database files; a start with another key (or a malformed one) fails and says why;
//   the same key given as GCD_SECRET_KEY reads the data.
import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../support/run-cli.js';
import { freePort, startServe } from '../support/dispatcher-process.js';

const work = mkdtempSync(path.join(tmpdir(), 'gcd-faults-secrets-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function walk(dir: string, skip: Set<string> = new Set()): { file: string; mode: number; dir: boolean }[] {
  const out: { file: string; mode: number; dir: boolean }[] = [];
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (skip.has(file)) continue;
    const st = lstatSync(file);
    if (st.isSymbolicLink()) continue;
    out.push({ file, mode: st.mode & 0o777, dir: st.isDirectory() });
    if (st.isDirectory()) out.push(...walk(file, skip));
  }
  return out;
}

/** The bytes of the SQLite database and its WAL, as latin1 text to search. */
function databaseBytes(dataDir: string): string {
  return ['dispatcher.db', 'dispatcher.db-wal']
    .map((f) => path.join(dataDir, f))
    .filter((f) => existsSync(f))
    .map((f) => readFileSync(f).toString('latin1'))
    .join('');
}

describe('secrets at rest', () => {
  it('run: the data directory is owner-only after a pipeline; job files keep their modes; variables are not in the database', async () => {
    const dir = path.join(work, 'project');
    mkdirSync(dir);
    writeFileSync(
      path.join(dir, '.gitlab-ci.yml'),
      `build:
  script:
    - echo built > out.txt
    - echo "DOT_SECRET=dotenv-$((4000+711))-secret" > build.env
  artifacts:
    paths: [out.txt]
    reports:
      dotenv: build.env
check:
  needs: [build]
  script:
    - test "$DOT_SECRET" = "dotenv-$((4000+711))-secret"
    - test "$PV_SECRET" = "pipeline-$((4000+711))-secret"
`,
    );
    // a data dir that an older version left readable by others is tightened at start
    const data = path.join(work, 'run-data');
    mkdirSync(data);
    chmodSync(data, 0o755);
    const r = await runCli(['run', dir, '--data', data, '--variable', 'PV_SECRET=pipeline-4711-secret', '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);

    const runnerSide = new Set([path.join(data, 'builds'), path.join(data, 'cache')]);
    const entries = walk(data, runnerSide);
    const open = entries.filter((e) => e.mode & 0o077).map((e) => `${path.relative(data, e.file)} ${e.mode.toString(8)}`);
    expect(open).toEqual([]);
    const names = entries.map((e) => path.relative(data, e.file));
    for (const expected of ['secret.key', 'dispatcher.db', 'traces', 'artifacts', 'repos']) expect(names).toContain(expected);
    expect(names.some((n) => /^repos\/.*\.git\/objects\/..\//.test(n))).toBe(true);
    expect(names.some((n) => /^traces\/\d+\.log$/.test(n))).toBe(true);
    expect(lstatSync(data).mode & 0o777).toBe(0o700);

    // (the values are computed by the scripts: their text holds no value)
    // the jobs' files: the runner's usual modes (the umask of the user, not the server's 0o077)
    const out = walk(path.join(data, 'builds')).find((e) => path.basename(e.file) === 'out.txt');
    const umask = process.umask();
    expect(out?.mode.toString(8)).toBe((0o666 & ~umask).toString(8));

    const db = databaseBytes(data);
    expect(db.length).toBeGreaterThan(0);
    expect(['pipeline-4711-secret', 'dotenv-4711-secret'].filter((s) => db.includes(s))).toEqual([]);
    console.log(
      `[faults] secrets-at-rest run: ${entries.length} files and directories in the data dir, ${open.length} readable by group/others; job file out.txt ${out?.mode.toString(8)}; pipeline and dotenv values not in the database`,
    );
  });

  it('serve: no token in the log, key file 0600 and not logged, another key fails the start clearly', async () => {
    const data = path.join(work, 'serve-data');
    const node = await startServe({ dataDir: data, port: await freePort(), logLevel: 'info', tokensWaitMs: Infinity });
    const admin = node.adminToken!;
    const secrets = Array.from({ length: 8 }, (_, i) => `SECRET${i}x${randomBytes(6).toString('hex')}`);
    const requests: [string, RequestInit?][] = [
      [`/no/such/route?token=${secrets[0]}`],
      [`/api/v4/job?job_token=${secrets[1]}`],
      [`/api/ui/projects?private_token=${secrets[2]}&x=1`],
      [`/api/v4/runners/verify?access_token=${secrets[3]}`, { method: 'POST' }],
      [`/api/v4/runners?registration_token=${secrets[4]}`, { method: 'POST' }],
      ['/api/ui/projects', { headers: { authorization: `Bearer ${secrets[5]}` } }],
      ['/api/v4/job', { headers: { 'private-token': secrets[6], 'job-token': secrets[7] } }],
    ];
    for (const [route, init] of requests) await (await fetch(`${node.url}${route}`, init)).text();
    const res = await fetch(`${node.url}/api/ui/variables`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'DEPLOY_TOKEN', value: 'masked-secret-4711', masked: true, protected: true }),
    });
    expect(res.status).toBe(201);
    const plain = await fetch(`${node.url}/api/ui/variables`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'REGION', value: 'plain-value-4711' }),
    });
    expect(plain.status).toBe(201);
    await node.stop();

    const log = node.output();
    expect(log).toContain('incoming request');
    const leaked = secrets.filter((s) => log.includes(s));
    expect(leaked).toEqual([]);
    expect(log).toContain('[REDACTED]');
    const keyFile = path.join(data, 'secret.key');
    const key = readFileSync(keyFile, 'utf8').trim();
    expect(lstatSync(keyFile).mode & 0o777).toBe(0o600);
    expect(log).not.toContain(key);
    const db = databaseBytes(data);
    expect(['masked-secret-4711', 'plain-value-4711'].filter((s) => db.includes(s))).toEqual([]);
    // tokens are stored as hashes only
    expect([admin, node.registrationToken!].filter((t) => db.includes(t))).toEqual([]);

    // another key: the start fails and says what to do
    const other = randomBytes(32).toString('hex');
    const wrong = await startServe({ dataDir: data, port: await freePort(), env: { GCD_SECRET_KEY: other } }).then(
      async (n) => (await n.stop(), 'started'),
      (e: Error) => e.message,
    );
    expect(wrong).toMatch(/encrypted with the secret key [0-9a-f]{16}, but the key given is [0-9a-f]{16}/);
    expect(wrong).toMatch(/GCD_SECRET_KEY/);
    expect(wrong).not.toContain(other);
    const malformed = await startServe({ dataDir: data, port: await freePort(), env: { GCD_SECRET_KEY: 'not-a-key' } }).then(
      async (n) => (await n.stop(), 'started'),
      (e: Error) => e.message,
    );
    expect(malformed).toMatch(/must be 32 bytes as 64 hex digits or base64/);

    // the same key as GCD_SECRET_KEY: the values read back
    const again = await startServe({ dataDir: data, port: await freePort(), env: { GCD_SECRET_KEY: Buffer.from(key, 'base64').toString('hex') } });
    try {
      const list = (await (await fetch(`${again.url}/api/ui/variables`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { key: string; value: string | null }[];
      expect(list.find((v) => v.key === 'REGION')?.value).toBe('plain-value-4711');
    } finally {
      await again.stop();
    }
    console.log(
      `[faults] secrets-at-rest serve: ${requests.length} requests with tokens in query/headers at log level info, ${leaked.length} tokens in ${log.split('\n').length} log lines; key file 0600; wrong key refused at start; same key via GCD_SECRET_KEY reads the values`,
    );
  });
});
