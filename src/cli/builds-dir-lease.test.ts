import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { leaseBuildsDir } from './builds-dir-lease.js';

const work = mkdtempSync(path.join(tmpdir(), 'gcd-lease-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('leaseBuildsDir', () => {
  it('gives each live holder its own name and the lowest free one again after a release', () => {
    const dir = path.join(work, 'a');
    const first = leaseBuildsDir(dir);
    const second = leaseBuildsDir(dir);
    expect([first.name, second.name]).toEqual(['run-0', 'run-1']);
    expect(readFileSync(path.join(dir, 'run-0.lock'), 'utf8')).toBe(String(process.pid));
    first.release();
    expect(existsSync(path.join(dir, 'run-0.lock'))).toBe(false);
    expect(leaseBuildsDir(dir).name).toBe('run-0');
  });

  it('takes over the lease of a process that is gone, and skips one that is being written', () => {
    const dir = path.join(work, 'b');
    leaseBuildsDir(dir).release();
    // the pid of a process that has exited
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(path.join(dir, 'run-0.lock'), gone);
    writeFileSync(path.join(dir, 'run-1.lock'), '');
    expect(leaseBuildsDir(dir).name).toBe('run-0');
    expect(leaseBuildsDir(dir).name).toBe('run-2');
  });
});
