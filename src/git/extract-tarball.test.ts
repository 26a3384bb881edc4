// Hostile tarballs against the real extraction and the real git import. Archives are made by the
// system `tar` where it can make them, else header by header (tarOf) for shapes tar refuses to
// write (absolute names, "..", entries through a symlink, devices).
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractTarball } from './extract-tarball.js';
import { importTarball } from './import-tarball.js';
import { createRepoStore, type RepoStore } from './repo-store.js';
import { tarOf, type RawEntry } from './test-support/tar-of.js';

let tmp: string;
let outside: string;
let repos: RepoStore;
let n = 0;

function archive(content: Buffer): string {
  const file = path.join(tmp, `a${++n}.tar`);
  writeFileSync(file, content);
  return file;
}

function freshDir(): string {
  const dir = path.join(tmp, `x${++n}`);
  mkdirSync(dir);
  return dir;
}

const git = (repo: string, ...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' });

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'gcd-tarx-'));
  outside = path.join(tmp, 'outside');
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'marker'), 'SERVER-SECRET\n');
  repos = createRepoStore({ dir: path.join(tmp, 'repos') });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('extractTarball refuses hostile entries with a 400 naming them', () => {
  const cases: [string, () => RawEntry[], RegExp][] = [
    ['an absolute path', () => [{ name: `${outside}/planted` }], /absolute path/],
    ['a ".." path', () => [{ name: '../planted' }], /"\.\.\/planted" has "\.\."/],
    ['".." in the middle', () => [{ name: 'a/b/../../../planted' }], /has "\.\."/],
    ['a file through an extracted symlink', () => [{ name: 'link', type: '2', linkname: outside }, { name: 'link/planted', data: 'x' }], /"link\/planted" goes through the symbolic link "link"/],
    ['a directory through a symlink', () => [{ name: 'link', type: '2', linkname: outside }, { name: 'link/sub/', type: '5' }], /goes through the symbolic link "link"/],
    ['a symlink through a symlink', () => [{ name: 'link', type: '2', linkname: outside }, { name: 'link/l2', type: '2', linkname: '/' }], /goes through the symbolic link/],
    ['a hard link to an absolute path', () => [{ name: 'h', type: '1', linkname: `${outside}/marker` }], /"h" has an absolute hard link target/],
    ['a hard link with ".."', () => [{ name: 'h', type: '1', linkname: '../outside/marker' }], /"h" has "\.\." in its hard link target/],
    ['a hard link to a file not in the archive', () => [{ name: 'h', type: '1', linkname: 'nothere' }], /not a regular file earlier in the archive/],
    ['a hard link through a symlink', () => [{ name: 'link', type: '2', linkname: outside }, { name: 'h', type: '1', linkname: 'link/marker' }], /not a regular file earlier/],
    ['a hard link to a symlink', () => [{ name: 'link', type: '2', linkname: `${outside}/marker` }, { name: 'h', type: '1', linkname: 'link' }], /not a regular file earlier/],
    ['a character device', () => [{ name: 'null', type: '3' }], /"null" is a character device/],
    ['a block device', () => [{ name: 'sda', type: '4' }], /"sda" is a block device/],
    ['a fifo', () => [{ name: 'pipe', type: '6' }], /"pipe" is a fifo/],
  ];
  for (const [what, entries, message] of cases) {
    it(what, async () => {
      const dir = freshDir();
      await expect(extractTarball({ file: archive(tarOf(entries())), dir })).rejects.toMatchObject({ code: 'bad_request', message });
      expect(existsSync(path.join(outside, 'planted'))).toBe(false);
      expect(existsSync(path.join(tmp, 'planted'))).toBe(false);
      expect(readFileSync(path.join(outside, 'marker'), 'utf8')).toBe('SERVER-SECRET\n');
    });
  }

  it('replaces an extracted symlink by a later file of the same name without writing through it', async () => {
    const dir = freshDir();
    await extractTarball({ file: archive(tarOf([{ name: 'f', type: '2', linkname: `${outside}/marker` }, { name: 'f', data: 'mine' }])), dir });
    expect(readFileSync(path.join(dir, 'f'), 'utf8')).toBe('mine');
    expect(lstatSync(path.join(dir, 'f')).isFile()).toBe(true);
    expect(readFileSync(path.join(outside, 'marker'), 'utf8')).toBe('SERVER-SECRET\n');
  });

  it('refuses what is not an archive, and a truncated one', async () => {
    await expect(extractTarball({ file: archive(Buffer.from('a:\n  script: x\n')), dir: freshDir() })).rejects.toMatchObject({ code: 'bad_request' });
    const whole = tarOf([{ name: 'big', data: 'y'.repeat(5000) }]);
    await expect(extractTarball({ file: archive(whole.subarray(0, 1500)), dir: freshDir() })).rejects.toMatchObject({ code: 'bad_request', message: /unexpected end/ });
    await expect(extractTarball({ file: archive(Buffer.from([0x1f, 0x8b, 1, 2, 3])), dir: freshDir() })).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('bounds the expanded size', async () => {
    const file = archive(gzipSync(tarOf([{ name: 'a', data: 'z'.repeat(10_000) }])));
    await expect(extractTarball({ file, dir: freshDir(), maxBytes: 1000 })).rejects.toMatchObject({ code: 'payload_too_large' });
  });
});

describe('extractTarball keeps what real archives hold', () => {
  it('extracts a system tar.gz: long names (GNU and pax), in-archive hard links, exec bits, symlinks as symlinks', async () => {
    const src = freshDir();
    const long = `${'d'.repeat(80)}/${'f'.repeat(120)}.txt`;
    mkdirSync(path.join(src, 'd'.repeat(80)));
    writeFileSync(path.join(src, long), 'long');
    writeFileSync(path.join(src, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    execFileSync('ln', [path.join(src, 'run.sh'), path.join(src, 'hard.sh')]);
    symlinkSync(outside, path.join(src, 'out-link'));
    symlinkSync('run.sh', path.join(src, 'in-link'));
    for (const format of ['gnu', 'pax']) {
      const file = path.join(tmp, `sys-${format}.tar.gz`);
      execFileSync('tar', [`--format=${format}`, '-czf', file, '-C', src, '.']);
      const dir = freshDir();
      await extractTarball({ file, dir });
      expect(readFileSync(path.join(dir, long), 'utf8')).toBe('long');
      expect(readFileSync(path.join(dir, 'hard.sh'), 'utf8')).toBe('#!/bin/sh\n');
      expect(lstatSync(path.join(dir, 'run.sh')).mode & 0o111).not.toBe(0);
      expect(lstatSync(path.join(dir, 'out-link')).isSymbolicLink()).toBe(true);
      expect(readlinkSync(path.join(dir, 'out-link'))).toBe(outside);
      expect(readlinkSync(path.join(dir, 'in-link'))).toBe('run.sh');
    }
  });
});

describe('extractTarball decompresses bzip2, xz and zstd with the system tools', () => {
  for (const [flag, ext] of [['-j', 'bz2'], ['-J', 'xz'], ['--zstd', 'zst']]) {
    it(`.tar.${ext}`, async () => {
      const src = freshDir();
      writeFileSync(path.join(src, 'f.txt'), ext);
      const file = path.join(tmp, `c.tar.${ext}`);
      execFileSync('tar', [flag, '-cf', file, '-C', src, 'f.txt']);
      const dir = freshDir();
      await extractTarball({ file, dir });
      expect(readFileSync(path.join(dir, 'f.txt'), 'utf8')).toBe(ext);
      const broken = archive(Buffer.concat([readFileSync(file).subarray(0, 8), Buffer.alloc(64, 7)]));
      await expect(extractTarball({ file: broken, dir: freshDir() })).rejects.toMatchObject({ code: 'bad_request' });
    });
  }
});

describe('importTarball commits links as links and never imports the server', () => {
  it('a tarball whose only entry is a symlink to a server directory commits that symlink, not the directory', async () => {
    const src = freshDir();
    symlinkSync(outside, path.join(src, 'proj'));
    const file = path.join(tmp, 'only-link.tar');
    execFileSync('tar', ['-cf', file, '-C', src, 'proj']);
    const snap = await importTarball({ repos, projectPath: 'g/only-link', tarball: file });
    const repo = repos.pathFor('g/only-link');
    expect(git(repo, 'ls-tree', '-r', snap.sha).trim()).toMatch(/^120000 blob [0-9a-f]+\tproj$/);
    expect(git(repo, 'cat-file', '-p', `${snap.sha}:proj`)).toBe(outside);
    // No object anywhere in the repository holds the marker.
    const objects = git(repo, 'cat-file', '--batch-all-objects', '--batch');
    expect(objects).not.toContain('SERVER-SECRET');
  });

  it('a .git directory in the upload neither configures git nor is committed', async () => {
    const src = freshDir();
    execFileSync('git', ['init', '-q', src]);
    const pwned = path.join(tmp, 'pwned');
    git(src, 'config', 'core.fsmonitor', `touch ${pwned}; false`);
    writeFileSync(path.join(src, '.gitattributes'), '* filter=evil\n');
    git(src, 'config', 'filter.evil.clean', `touch ${pwned}; cat`);
    writeFileSync(path.join(src, 'a.txt'), 'a');
    const file = path.join(tmp, 'dotgit.tar.gz');
    execFileSync('tar', ['-czf', file, '-C', src, '.']);
    const snap = await importTarball({ repos, projectPath: 'g/dotgit', tarball: file });
    expect(existsSync(pwned)).toBe(false);
    const names = git(repos.pathFor('g/dotgit'), 'ls-tree', '-r', '--name-only', snap.sha).trim().split('\n');
    expect(names.sort()).toEqual(['.gitattributes', 'a.txt']);
  });
});
