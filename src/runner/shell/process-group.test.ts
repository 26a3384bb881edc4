// Stopping a step kills its whole process group: no child or grandchild survives.
import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runInGroup } from './process-group.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitFile(file: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const text = await readFile(file, 'utf8').catch(() => '');
    if (text.trim().split('\n').length >= 2) return text;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('pids file never filled');
}

describe('runInGroup', () => {
  it('abort kills the script, its children and its background grandchildren', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-pg-'));
    const pids = path.join(dir, 'pids');
    const ctl = new AbortController();
    const out: Buffer[] = [];
    const run = runInGroup({
      command: 'bash',
      args: ['-c', `sleep 300 & echo $! > ${pids}; (sleep 300 & echo $! >> ${pids}; wait) & echo started; wait`],
      cwd: dir,
      env: process.env,
      onOutput: (b) => out.push(b),
      signal: ctl.signal,
      killGraceMs: 500,
    });
    const listed = (await waitFile(pids)).trim().split('\n').map(Number);
    expect(listed.every(alive)).toBe(true);
    ctl.abort();
    const r = await run;
    expect(r.aborted).toBe(true);
    for (let i = 0; i < 100 && listed.some(alive); i++) await new Promise((res) => setTimeout(res, 20));
    expect(listed.filter(alive)).toEqual([]);
    expect(Buffer.concat(out).toString()).toContain('started');
    await rm(dir, { recursive: true, force: true });
  });

  it('a finished step leaves nothing behind and reports the exit code', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-pg-'));
    const pids = path.join(dir, 'pids');
    const r = await runInGroup({
      command: 'bash',
      args: ['-c', `sleep 300 > /dev/null 2>&1 & echo $! > ${pids}; echo one >> ${pids}; exit 3`],
      cwd: dir,
      env: process.env,
      onOutput: () => {},
    });
    expect(r.exitCode).toBe(3);
    const pid = Number((await readFile(pids, 'utf8')).split('\n')[0]);
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((res) => setTimeout(res, 20));
    expect(alive(pid)).toBe(false);
    await rm(dir, { recursive: true, force: true });
  });
});
