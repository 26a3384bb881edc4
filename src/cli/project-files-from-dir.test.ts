// projectFilesFromDir: git-aware file list (untracked but not ignored files included), a plain walk
// outside git, and reads that stay inside the directory.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectFilesFromDir } from './project-files-from-dir.js';

const dirs: string[] = [];
const tree = (files: Record<string, string>): string => {
  const dir = mkdtempSync(join(tmpdir(), 'gcd-pf-'));
  dirs.push(dir);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('projectFilesFromDir', () => {
  it('lists tracked and untracked files but not ignored ones in a git work tree', () => {
    const dir = tree({ '.gitignore': 'build/\n', 'a.txt': 'a', 'src/b.yml': 'b', 'build/out.bin': 'x', 'new.txt': 'n' });
    execFileSync('git', ['init', '-q'], { cwd: dir });
    execFileSync('git', ['add', 'a.txt', '.gitignore'], { cwd: dir });
    const files = projectFilesFromDir(dir);
    expect([...files.list()].sort()).toEqual(['.gitignore', 'a.txt', 'new.txt', 'src/b.yml']);
    expect(files.read('src/b.yml')).toBe('b');
    expect(files.read('./a.txt')).toBe('a');
    expect(files.read('/a.txt')).toBe('a');
    expect(files.read('missing.yml')).toBeUndefined();
  });

  it('walks the directory outside git, skipping .git and node_modules', () => {
    const dir = tree({ 'x.yml': '1', 'node_modules/p/index.js': '', 'deep/er/y.yml': '2' });
    expect([...projectFilesFromDir(dir).list()].sort()).toEqual(['deep/er/y.yml', 'x.yml']);
  });

  it('never reads outside the directory', () => {
    const outer = tree({ 'secret.yml': 'no', 'proj/in.yml': 'yes' });
    const files = projectFilesFromDir(join(outer, 'proj'));
    expect(files.read('../secret.yml')).toBeUndefined();
    expect(files.read('in.yml')).toBe('yes');
  });
});
