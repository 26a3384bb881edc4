// A record of a build directory's work tree as `git checkout -f <sha>` + `git clean -ffdx` left
// it, so that the next job on the same commit can tell, in process, that both would change
// nothing and skip them (get_sources then starts no process at all). The check is as strict as
// the two commands: every directory's entries by name and type (an added file, ignored or not, an
// empty directory, a removed one), every entry's lstat (mode, size, inode, mtime and ctime in ns:
// a write, chmod, rename or hard link moves ctime, which no job can set back), HEAD still the
// detached commit, and the index, .git/config and the sparse-checkout patterns untouched. A file
// whose ctime lies within RACY_NS of the moment it was recorded could be rewritten within the
// same timestamp tick unseen (git's "racily clean" case): its content is hashed as well and
// compared. Trees over MAX_ENTRIES entries, or with more than MAX_RACY_BYTES of such files, are
// not recorded (git does the work as before).
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, type BigIntStats } from 'node:fs';
import path from 'node:path';

const MAX_ENTRIES = 2000;
const MAX_RACY_BYTES = 8 << 20;
const RACY_NS = 2_000_000_000n;

interface Entry {
  /** mode, size, ino, mtime and ctime (ns), joined. */
  stat: string;
  ctimeNs: bigint;
  /** sha1 of the content while the entry is racy. */
  hash?: string;
}

interface Snapshot {
  sha: string;
  /** Each directory (relative, '' for the top) and its sorted entries with a type mark. */
  dirs: Map<string, string>;
  entries: Map<string, Entry>;
}

const snapshots = new Map<string, Snapshot>();

const statKey = (s: BigIntStats) => `${s.mode}:${s.size}:${s.ino}:${s.mtimeNs}:${s.ctimeNs}`;
const sha1 = (file: string) => createHash('sha1').update(readFileSync(file)).digest('hex');
const nowNs = () => BigInt(Date.now()) * 1_000_000n;

function listDir(abs: string): { names: string; children: { name: string; dir: boolean }[] } {
  const children = readdirSync(abs, { withFileTypes: true })
    .map((d) => ({ name: d.name, dir: d.isDirectory() }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { names: children.map((c) => `${c.dir ? 'd' : 'f'}${c.name}`).join('\0'), children };
}

/** Walks the directories below `root` (the top-level .git aside): false when over the limits or when `visit` says stop. */
function walk(root: string, visit: (rel: string, names: string, entries: string[]) => boolean): boolean {
  const stack = [''];
  let count = 0;
  while (stack.length) {
    const rel = stack.pop()!;
    const abs = rel ? path.join(root, rel) : root;
    const { names, children } = listDir(abs);
    const files: string[] = [];
    for (const c of children) {
      if (!rel && c.name === '.git') continue;
      if (++count > MAX_ENTRIES) return false;
      const r = rel ? `${rel}/${c.name}` : c.name;
      if (c.dir) stack.push(r);
      files.push(r);
    }
    if (!visit(rel, names, files)) return false;
  }
  return true;
}

/** What in .git decides what checkout does besides HEAD: the index, the config (sparse checkout, filters), the sparse patterns. */
const GIT_FILES = ['.git/index', '.git/config', '.git/info/sparse-checkout'];

function headOf(root: string): string {
  try {
    return readFileSync(path.join(root, '.git', 'HEAD'), 'utf8').trim();
  } catch {
    return '';
  }
}

const absent = (abs: string) => {
  try {
    lstatSync(abs);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
};

/** Records the tree right after checkout + clean of `sha`; forgets it when it can't. */
export function recordPristine(root: string, sha: string): void {
  snapshots.delete(root);
  try {
    const now = nowNs();
    const dirs = new Map<string, string>();
    const entries = new Map<string, Entry>();
    let racyBytes = 0;
    const add = (rel: string, abs: string): boolean => {
      const s = lstatSync(abs, { bigint: true });
      const e: Entry = { stat: statKey(s), ctimeNs: s.ctimeNs };
      if (s.isFile() && s.ctimeNs + RACY_NS > now) {
        racyBytes += Number(s.size);
        if (racyBytes > MAX_RACY_BYTES) return false;
        e.hash = sha1(abs);
      } else if (!s.isFile() && !s.isDirectory() && !s.isSymbolicLink()) return false;
      entries.set(rel, e);
      return true;
    };
    const ok = walk(root, (rel, names, files) => {
      dirs.set(rel, names);
      return files.every((f) => add(f, path.join(root, f)));
    });
    if (!ok || headOf(root) !== sha) return;
    for (const f of GIT_FILES) {
      const abs = path.join(root, f);
      if (f !== '.git/index' && absent(abs)) entries.set(f, { stat: 'absent', ctimeNs: 0n });
      else if (!add(f, abs)) return;
    }
    snapshots.set(root, { sha, dirs, entries });
  } catch {
    snapshots.delete(root);
  }
}

/** True when the tree is exactly as recorded for `sha`: checkout + clean would change nothing. */
export function isPristine(root: string, sha: string): boolean {
  const snap = snapshots.get(root);
  if (!snap || snap.sha !== sha) return false;
  try {
    const now = nowNs();
    const same = (rel: string, abs: string): boolean => {
      const e = snap.entries.get(rel);
      if (!e) return false;
      const s = lstatSync(abs, { bigint: true });
      if (statKey(s) !== e.stat) return false;
      if (e.hash !== undefined) {
        if (sha1(abs) !== e.hash) return false;
        // Seen unchanged after its tick has long passed: a later write would move its ctime.
        if (e.ctimeNs + RACY_NS <= now) e.hash = undefined;
      }
      return true;
    };
    // each directory's entries as recorded: the same directories are walked as were recorded
    const ok = walk(root, (rel, names, files) => {
      if (snap.dirs.get(rel) !== names) return false;
      return files.every((f) => same(f, path.join(root, f)));
    });
    if (!ok) return false;
    if (headOf(root) !== sha) return false;
    return GIT_FILES.every((f) => (snap.entries.get(f)?.stat === 'absent' ? absent(path.join(root, f)) : same(f, path.join(root, f))));
  } catch {
    return false;
  }
}
