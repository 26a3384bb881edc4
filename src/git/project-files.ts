// ProjectFiles (src/ci/plan.ts) over a commit of a bare repository: the file list comes from one
// `git ls-tree -r` at construction, contents from `git cat-file` on first read (cached), both
// synchronous so that the compiler stays pure and synchronous (the server's compile worker asks
// for them over a channel, see server/compile-pool.ts).
import type { ProjectFiles } from '../ci/plan.js';
import { runGitSync } from './run-git.js';

const MAX_CACHED_BYTES = 32 * 1024 * 1024;

function normalize(p: string): string {
  let s = p.replace(/\\/g, '/');
  while (s.startsWith('./')) s = s.slice(2);
  return s.replace(/^\/+/, '');
}

export function projectFilesAt(repoPath: string, sha: string): ProjectFiles {
  if (!/^[0-9a-f]{7,64}$/i.test(sha) && !sha.startsWith('refs/')) throw new Error(`not a commit id: ${sha}`);
  const raw = runGitSync(['ls-tree', '-r', '-z', '--full-tree', sha], { cwd: repoPath }).toString('utf8');
  // "<mode> <type> <object>\t<path>\0": keep blobs (files and symlinks), skip submodules (commit).
  const objects = new Map<string, string>();
  for (const entry of raw.split('\0')) {
    if (!entry) continue;
    const tab = entry.indexOf('\t');
    const [, type, object] = entry.slice(0, tab).split(' ');
    if (type === 'blob') objects.set(entry.slice(tab + 1), object);
  }
  const paths = Object.freeze([...objects.keys()].sort());
  const cache = new Map<string, Buffer>();
  let cachedBytes = 0;
  const readBytes = (path: string): Buffer | undefined => {
    const key = normalize(path);
    const object = objects.get(key);
    if (object === undefined) return undefined;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const bytes = runGitSync(['cat-file', 'blob', object], { cwd: repoPath });
    if (cachedBytes + bytes.length <= MAX_CACHED_BYTES) {
      cache.set(key, bytes);
      cachedBytes += bytes.length;
    }
    return bytes;
  };
  return {
    list: () => paths,
    // Bytes for the compiler (it decodes them as strict UTF-8); text for everything else.
    readBytes,
    read: (path) => readBytes(path)?.toString('utf8'),
  };
}
