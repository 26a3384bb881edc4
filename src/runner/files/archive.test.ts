// Artifact collection (globs with **, exclude, untracked), zip round trip, gzip members, and
// zip-slip protection on extraction.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { chmod, lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { collectPaths } from './collect-paths.js';
import { globToRegExp } from './glob.js';
import { writeGzipMembers, writeZip } from './archive-write.js';
import { extractZip, ZipSlipError } from './zip-extract.js';

async function tree(root: string, files: Record<string, string>) {
  for (const [f, c] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, f)), { recursive: true });
    await writeFile(path.join(root, f), c);
  }
}

/** A minimal stored (uncompressed) zip with the given raw entry names, written by hand. */
function handMadeZip(entries: { name: string; data: string; mode?: number }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const data = Buffer.from(e.data);
    const crc = require('node:zlib').crc32(data) as number;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x031e, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((e.mode ?? 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);

describe('globs', () => {
  it('follows doublestar rules', () => {
    expect(globToRegExp('**/*.log').test('a/b/c.log')).toBe(true);
    expect(globToRegExp('**/*.log').test('c.log')).toBe(true);
    expect(globToRegExp('out/*.txt').test('out/sub/a.txt')).toBe(false);
    expect(globToRegExp('out/**').test('out/sub/a.txt')).toBe(true);
    expect(globToRegExp('*.{xml,json}').test('r.json')).toBe(true);
    expect(globToRegExp('file?.[ch]').test('file1.c')).toBe(true);
  });
});

describe('collect + zip round trip', () => {
  it('collects paths, ** globs, excludes and untracked files; the zip extracts back identically', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'gcd-art-'));
    const dest = await mkdtemp(path.join(os.tmpdir(), 'gcd-art-x-'));
    try {
      await tree(root, {
        'out/app.txt': 'app',
        'out/tmp/skip.o': 'obj',
        'out/deep/nested/keep.txt': 'deep',
        'logs/a/b/run.log': 'log',
        'tracked.txt': 'tracked',
        'untracked-new.txt': 'new',
        'ignored.cache': 'ign',
        '.gitignore': '*.cache\n',
      });
      execFileSync('git', ['init', '-q', root]);
      execFileSync('git', ['-C', root, 'add', 'tracked.txt', '.gitignore', 'out', 'logs']);
      await chmod(path.join(root, 'out/app.txt'), 0o755);
      await symlink('app.txt', path.join(root, 'out/link'));
      const warnings: string[] = [];
      const c = await collectPaths({ root, paths: ['out/', '**/*.log', 'missing/'], exclude: ['out/tmp/**', 'out/tmp'], warn: (m) => warnings.push(m) });
      expect(c.entries).toEqual([
        'logs/a/b/run.log',
        'out',
        'out/app.txt',
        'out/deep',
        'out/deep/nested',
        'out/deep/nested/keep.txt',
        'out/link',
      ]);
      expect(warnings.join()).toContain('missing/: no matching files');
      const u = await collectPaths({ root, paths: [], untracked: true });
      expect(u.entries).toEqual(['ignored.cache', 'out/link', 'untracked-new.txt']);
      expect((await collectPaths({ root, paths: ['../etc'], warn: (m) => warnings.push(m) })).entries).toEqual([]);

      const zip = path.join(dest, 'a.zip');
      await writeZip(root, c.entries, zip);
      const out = path.join(dest, 'x');
      await extractZip(zip, out);
      expect(await readFile(path.join(out, 'out/deep/nested/keep.txt'), 'utf8')).toBe('deep');
      expect((await stat(path.join(out, 'out/app.txt'))).mode & 0o777).toBe(0o755);
      expect((await lstat(path.join(out, 'out/link'))).isSymbolicLink()).toBe(true);
      expect(await readlink(path.join(out, 'out/link'))).toBe('app.txt');
      expect(await readFile(path.join(out, 'logs/a/b/run.log'), 'utf8')).toBe('log');

      const gz = path.join(dest, 'r.gz');
      await writeGzipMembers(root, ['out/app.txt', 'logs/a/b/run.log'], gz);
      const raw = await readFile(gz);
      expect(gunzipSync(raw).toString()).toBe('applog');
      expect(raw.includes(Buffer.from('out/app.txt\0'))).toBe(true);
    } finally {
      await rm(root, { recursive: true, force: true });
      await rm(dest, { recursive: true, force: true });
    }
  });
});

describe('zip-slip protection', () => {
  it.each([['../evil.txt'], ['a/../../evil.txt'], ['/tmp/evil-abs.txt']])('refuses %s', async (name) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-slip-'));
    try {
      const zip = path.join(dir, 'bad.zip');
      await writeFile(zip, handMadeZip([{ name: 'ok.txt', data: 'fine' }, { name, data: 'pwned' }]));
      await expect(extractZip(zip, path.join(dir, 'dest'))).rejects.toBeInstanceOf(ZipSlipError);
      await expect(stat(path.join(dir, 'evil.txt'))).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('does not write through a symlink that leads outside, and skips escaping symlink entries', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-slip-'));
    try {
      const zip = path.join(dir, 'bad.zip');
      await writeFile(zip, handMadeZip([{ name: 'esc', data: '..', mode: 0o120777 }, { name: 'esc/evil.txt', data: 'pwned' }]));
      const warnings: string[] = [];
      await extractZip(zip, path.join(dir, 'dest'), { warn: (m) => warnings.push(m) });
      expect(warnings.join()).toContain('skipping symlink esc -> ..');
      await expect(stat(path.join(dir, 'evil.txt'))).rejects.toThrow();
      expect(await readFile(path.join(dir, 'dest', 'esc', 'evil.txt'), 'utf8')).toBe('pwned');
      const dest2 = path.join(dir, 'dest2');
      await mkdir(dest2);
      await symlink(dir, path.join(dest2, 'pre'));
      const zip2 = path.join(dir, 'bad2.zip');
      await writeFile(zip2, handMadeZip([{ name: 'pre/evil2.txt', data: 'pwned' }]));
      await expect(extractZip(zip2, dest2)).rejects.toBeInstanceOf(ZipSlipError);
      await expect(stat(path.join(dir, 'evil2.txt'))).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
