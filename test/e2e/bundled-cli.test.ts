// The bundled CLI (dist/bundle, what the package's `bin` runs and the README's first command
// starts): built by `npm run build`, which the test command runs first. The main bundle, the
// runner child it forks, the compile worker and the lint bundle each run for real, through the
// V8 code cache (written by the first start of each command, read by the next) and without it.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..', '..');
const main = path.join(root, 'dist', 'bundle', 'main.js');
const built = existsSync(main);
if (!built) console.warn(`[bundled-cli] skipped: ${main} is not built (npm run build)`);

const work = mkdtempSync(path.join(os.tmpdir(), 'gcd-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  exec(process.execPath, [main, ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1', GCD_COMPILE_CACHE_DIR: path.join(work, 'v8'), ...env }, timeout: 120_000 });

describe.skipIf(!built)('the bundled CLI', () => {
  it('runs the sample pipeline with the built-in runner (main bundle, runner child, compile worker), first without then with a code cache', async () => {
    for (const round of [1, 2]) {
      const { stdout } = await cli(['run', 'examples/basic', '--json', '--data', path.join(work, `data-${round}`)]);
      const out = JSON.parse(stdout) as { pipeline: { status: string }; jobs: { name: string; status: string }[] };
      expect(out.pipeline.status, `round ${round}`).toBe('success');
      expect(out.jobs.length).toBeGreaterThan(1);
      expect(out.jobs.every((j) => j.status === 'success')).toBe(true);
    }
    // the first start wrote a cache file per bundle it ran (the main bundle's for its command)
    const cached = readdirSync(path.join(work, 'v8')).map((f) => f.replace(/-[0-9a-f]+\.bin$/, ''));
    expect(new Set(cached)).toEqual(new Set(['main.run', 'runner-child', 'compile-worker']));
  });

  it('starts the runner child without NODE_EXTRA_CA_CERTS (Node would load it again) and gives it back to the jobs', async () => {
    const dir = path.join(work, 'ca-project');
    mkdirSync(dir);
    writeFileSync(path.join(dir, '.gitlab-ci.yml'), 'ca:\n  script: [\'echo "ca=$NODE_EXTRA_CA_CERTS"\']\n');
    // a file that does not exist: each Node process that reads the variable warns as it starts
    const ca = path.join(work, 'no-such-ca.pem');
    const { stdout, stderr } = await cli(['run', dir, '--verbose', '--data', path.join(work, 'data-ca')], { NODE_EXTRA_CA_CERTS: ca });
    expect(stdout).toContain(`[ca] ca=${ca}`);
    expect(stderr.split('Ignoring extra certs from').length - 1).toBe(1); // `run` itself, not its runner child
  });

  it('lint (its own bundle) with the cache off, --version, and a clear error for a bad argument that leaves no cache', async () => {
    const lint = await cli(['lint', 'examples/basic', '--json'], { GCD_COMPILE_CACHE: '0' });
    const jobs = (JSON.parse(lint.stdout) as { jobs: { name: string }[] }).jobs.map((j) => j.name);
    expect(jobs).toContain('deploy');
    expect((await cli(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    // a usage error leaves no cache behind: it compiled next to nothing, and `run` gets its own
    const fresh = { GCD_COMPILE_CACHE_DIR: path.join(work, 'v8-bad') };
    const bad = await cli(['run', 'examples/basic', '--concurrency', 'zero'], fresh).catch((e: { code: number; stderr: string }) => e);
    expect('code' in bad && bad.code).toBe(2);
    expect((bad as { stderr: string }).stderr).toMatch(/--concurrency expects a positive integer/);
    expect(existsSync(fresh.GCD_COMPILE_CACHE_DIR) ? readdirSync(fresh.GCD_COMPILE_CACHE_DIR) : []).toEqual([]);
    await cli(['--version'], fresh);
    expect(readdirSync(fresh.GCD_COMPILE_CACHE_DIR).map((f) => f.replace(/-[0-9a-f]+\.bin$/, ''))).toEqual(['main.other']);
  });
});
