// Which files an `artifacts:`/`cache:` entry takes from a directory: `paths` (literal files or
// directories, or globs; a matched directory brings everything under it), plus `untracked`
// (git's untracked files, ignored ones included, as `artifacts:untracked` is documented), minus
// `exclude` globs. Paths leaving the directory are refused with a warning, as gitlab-runner does.
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { globToRegExp, hasMagic, normalizePattern, staticPrefix } from './glob.js';

const execFileP = promisify(execFile);

export interface CollectOptions {
  root: string;
  paths: string[];
  exclude?: string[];
  untracked?: boolean;
  warn?: (message: string) => void;
}

export interface Collected {
  /** Relative paths ("/"-separated) of files, symlinks and directories, sorted. */
  entries: string[];
  /** Per pattern, how many entries it matched (for the log). */
  perPattern: { pattern: string; count: number }[];
}

async function walk(root: string, rel: string, out: string[]): Promise<void> {
  let items: import('node:fs').Dirent[];
  try {
    items = await readdir(path.join(root, rel), { withFileTypes: true });
  } catch {
    return;
  }
  for (const d of items) {
    const r = rel ? `${rel}/${d.name}` : d.name;
    out.push(r);
    if (d.isDirectory()) await walk(root, r, out);
  }
}

const inside = (root: string, rel: string) => {
  const abs = path.resolve(root, rel);
  return abs === root || abs.startsWith(root + path.sep);
};

export async function collectPaths(o: CollectOptions): Promise<Collected> {
  const root = path.resolve(o.root);
  const found = new Set<string>();
  const perPattern: Collected['perPattern'] = [];
  const addTree = async (rel: string) => {
    const st = await lstat(path.join(root, rel)).catch(() => null);
    if (!st) return 0;
    let n = 0;
    if (rel !== '' && rel !== '.') {
      found.add(rel);
      n++;
    }
    if (st.isDirectory()) {
      const below: string[] = [];
      await walk(root, rel === '.' ? '' : rel, below);
      for (const b of below) found.add(b);
      n += below.length;
    }
    return n;
  };
  for (const raw of o.paths) {
    const pattern = normalizePattern(raw);
    if (pattern === '') continue;
    if (path.isAbsolute(pattern) || !inside(root, staticPrefix(pattern) || '.')) {
      o.warn?.(`${raw}: artifact path is not a subpath of project directory: ${path.resolve(root, pattern)}`);
      continue;
    }
    let count = 0;
    if (!hasMagic(pattern)) {
      count = await addTree(pattern);
    } else {
      const re = globToRegExp(pattern);
      const base = staticPrefix(pattern);
      const candidates: string[] = [];
      await walk(root, base, candidates);
      for (const c of candidates) if (re.test(c)) count += await addTree(c);
    }
    perPattern.push({ pattern: raw, count });
    if (count === 0) o.warn?.(`${raw}: no matching files. Ensure that the artifact path is relative to the working directory (${root})`);
  }
  if (o.untracked) {
    try {
      const { stdout } = await execFileP('git', ['ls-files', '-o', '-z', '--directory', '--no-empty-directory'], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
      let count = 0;
      for (const rel of stdout.split('\0').filter(Boolean)) count += await addTree(rel.replace(/\/$/, ''));
      perPattern.push({ pattern: 'untracked', count });
    } catch (e) {
      o.warn?.(`untracked: cannot list untracked files: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const excludes = (o.exclude ?? []).map((p) => globToRegExp(p));
  const entries = [...found]
    .filter((rel) => rel !== '.git' && !rel.startsWith('.git/') && !excludes.some((re) => re.test(rel)))
    .sort();
  return { entries, perPattern };
}
