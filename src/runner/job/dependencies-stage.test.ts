// download_artifacts against a small real HTTP server: downloads overlap (the next ones go on
// while an archive is extracted), extraction and log keep the dependencies' order even when an
// earlier archive arrives last, and a failed download fails the job at once (the downloads ahead
// are stopped) and leaves no temp files.
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CoordinatorClient } from '../network/coordinator-client.js';
import { decodeJobPayload } from '../network/job-payload.js';
import { writeZip } from '../files/archive-write.js';
import { JobTrace } from '../trace/job-trace.js';
import { tinyServer } from '../test-support/tiny-server.js';
import { downloadDependencies } from './dependencies-stage.js';
import type { JobContext } from './job-context.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** Zips of dependencies 11, 12, 13: each holds same.txt (its own id) and only-<id>.txt. */
async function archives(dir: string): Promise<Map<number, Buffer>> {
  const out = new Map<number, Buffer>();
  for (const id of [11, 12, 13]) {
    const root = path.join(dir, `src-${id}`);
    await mkdir(root, { recursive: true });
    await writeFile(path.join(root, 'same.txt'), `from ${id}\n`);
    await writeFile(path.join(root, `only-${id}.txt`), 'x');
    await writeZip(root, ['same.txt', `only-${id}.txt`], path.join(dir, `${id}.zip`));
    out.set(id, await readFile(path.join(dir, `${id}.zip`)));
  }
  return out;
}

async function setup(opts: { failing?: number } = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-deps-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const zips = await archives(dir);
  let inFlight = 0;
  let most = 0;
  const s = await tinyServer(async (req, res) => {
    const id = Number(/jobs\/(\d+)\/artifacts/.exec(req.url)![1]);
    inFlight++;
    most = Math.max(most, inFlight);
    // the first dependency's archive comes last; with a failing one, the last takes long
    await new Promise((r) => setTimeout(r, id === 11 ? 150 : opts.failing && id === 13 ? 5000 : 20));
    inFlight--;
    if (id === opts.failing) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"404 Not Found"}');
    res.writeHead(200, { 'content-type': 'application/zip' }).end(zips.get(id));
  });
  cleanup.push(s.close);
  const client = new CoordinatorClient({ url: s.url, retry: { attempts: 1 } });
  cleanup.push(() => client.close());
  const dependency = (id: number) => ({ id, name: `dep-${id}`, token: `jt-${id}`, artifacts_file: { filename: 'artifacts.zip', size: zips.get(id)!.length } });
  const job = decodeJobPayload(JSON.stringify({ id: 20, token: 'jt-20', git_info: { repo_url: 'http://h/g/p.git', sha: '0123456789abcdef', ref: 'main' }, dependencies: [11, 12, 13].map(dependency) }));
  const dest = path.join(dir, 'project');
  await mkdir(dest);
  const trace = new JobTrace();
  const ctx = { job, trace, client, abort: new AbortController().signal, dirs: { projectDir: dest } } as unknown as JobContext;
  return { ctx, dest, trace, most: () => most, tmpBefore: new Set(readdirSync(os.tmpdir()).filter((f) => f.startsWith('gcd-artifacts-'))) };
}

const leftovers = (before: Set<string>) => readdirSync(os.tmpdir()).filter((f) => f.startsWith('gcd-artifacts-') && !before.has(f));

describe('downloadDependencies', () => {
  it('downloads ahead while extracting, in the order of the dependencies (the last one wins)', async () => {
    const { ctx, dest, trace, most, tmpBefore } = await setup();
    expect(await downloadDependencies(ctx)).toEqual(['dep-11', 'dep-12', 'dep-13']);
    expect(most()).toBeGreaterThan(1);
    expect(await readFile(path.join(dest, 'same.txt'), 'utf8')).toBe('from 13\n');
    for (const id of [11, 12, 13]) expect(existsSync(path.join(dest, `only-${id}.txt`))).toBe(true);
    const log = trace.toString();
    const at = (s: string) => log.indexOf(s);
    expect(at('Downloading artifacts for dep-11 (11)')).toBeLessThan(at('Downloading artifacts for dep-12 (12)'));
    expect(at('Downloading artifacts for dep-12 (12)')).toBeLessThan(at('Downloading artifacts for dep-13 (13)'));
    expect(at('id=11 responseStatus=200 OK')).toBeLessThan(at('Downloading artifacts for dep-12 (12)'));
    expect(leftovers(tmpBefore)).toEqual([]);
  });

  it('a failed download fails the job with that dependency, after the ones before it, and leaves no temp files', async () => {
    const { ctx, dest, tmpBefore } = await setup({ failing: 12 });
    const started = Date.now();
    await expect(downloadDependencies(ctx)).rejects.toThrow(/downloading artifacts of dep-12 \(12\) failed/);
    // the download running ahead (5 s) was stopped, not waited for
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await readFile(path.join(dest, 'same.txt'), 'utf8')).toBe('from 11\n');
    expect(existsSync(path.join(dest, 'only-13.txt'))).toBe(false);
    expect(leftovers(tmpBefore)).toEqual([]);
  });
});
