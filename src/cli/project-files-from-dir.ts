// ProjectFiles over a directory on disk (the only I/O-bound ProjectFiles; the compiler stays pure).
// File list: `git ls-files -co --exclude-standard -z` inside a git work tree, else a walk that
// skips .git and node_modules.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { ProjectFiles } from '../ci/index.js';

const MAX_FILES = 200_000;

function gitList(dir: string): string[] | null {
  try {
    const out = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 * 1024 * 1024 });
    return out.split('\0').filter((p) => p.length > 0);
  } catch {
    return null;
  }
}

function walk(root: string): string[] {
  const out: string[] = [];
  const stack = [root];
  while (stack.length && out.length < MAX_FILES) {
    const dir = stack.pop()!;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (e.name === '.git' || e.name === 'node_modules') continue;
      const full = join(dir, e.name);
      if (e.isDirectory()) stack.push(full);
      else if (e.isFile()) out.push(relative(root, full).split(sep).join('/'));
    }
  }
  return out.sort();
}

export function projectFilesFromDir(dir: string): ProjectFiles {
  const root = resolve(dir);
  let list: string[] | null = null;
  const cache = new Map<string, Buffer | undefined>();
  const readBytes = (path: string): Buffer | undefined => {
    const clean = path.replace(/^\.?\/+/, '');
    if (cache.has(clean)) return cache.get(clean);
    const full = resolve(root, clean);
    let bytes: Buffer | undefined;
    if (full === root || full.startsWith(root + sep)) {
      try {
        if (statSync(full).isFile()) bytes = readFileSync(full);
      } catch {
        bytes = undefined;
      }
    }
    cache.set(clean, bytes);
    return bytes;
  };
  return {
    // Bytes for the compiler (it decodes them as strict UTF-8 and reports an invalid byte).
    readBytes,
    read: (path) => readBytes(path)?.toString('utf8'),
    list(): readonly string[] {
      list ??= gitList(root) ?? walk(root);
      return list;
    },
  };
}
