// ProjectFiles (src/ci/plan.ts) over a commit of a bare repository: the file list comes from one
// `git ls-tree -r` at construction, contents from `git cat-file` on first read (cached), both
// synchronous so that the compiler stays pure and synchronous (the server's compile worker asks
// for them over a channel, see server/compile-pool.ts). loadProjectFiles reads the list and the
// CI configuration asynchronously first (a pipeline's creation then blocks on no git process).
import type { ProjectFiles } from '../ci/plan.js';
import { runGit, runGitSync } from './run-git.js';

const MAX_CACHED_BYTES = 32 * 1024 * 1024;

function normalize(p: string): string {
  let s = p.replace(/\\/g, '/');
  while (s.startsWith('./')) s = s.slice(2);
  return s.replace(/^\/+/, '');
}

function checkSha(sha: string): void {
  if (!/^[0-9a-f]{7,64}$/i.test(sha) && !sha.startsWith('refs/')) throw new Error(`not a commit id: ${sha}`);
}

const LS_TREE = (sha: string) => ['ls-tree', '-r', '-z', '--full-tree', sha];

/** "<mode> <type> <object>\t<path>\0" entries: the blobs (files and symlinks), not submodules (commit). */
function blobsOf(raw: string): Map<string, string> {
  const objects = new Map<string, string>();
  for (const entry of raw.split('\0')) {
    if (!entry) continue;
    const tab = entry.indexOf('\t');
    const [, type, object] = entry.slice(0, tab).split(' ');
    if (type === 'blob') objects.set(entry.slice(tab + 1), object);
  }
  return objects;
}

export function projectFilesAt(repoPath: string, sha: string): ProjectFiles {
  checkSha(sha);
  return filesOf(repoPath, blobsOf(runGitSync(LS_TREE(sha), { cwd: repoPath }).toString('utf8')), new Map());
}

/**
 * The same, read without blocking: the file list and the files in `preload` (the CI
 * configuration) are read asynchronously first; other files are read on demand, as above.
 */
export async function loadProjectFiles(repoPath: string, sha: string, preload: string[] = ['.gitlab-ci.yml']): Promise<ProjectFiles> {
  checkSha(sha);
  const objects = blobsOf((await runGit(LS_TREE(sha), { cwd: repoPath })).stdout.toString('utf8'));
  const read = new Map<string, Buffer>();
  await Promise.all(
    preload.map(async (file) => {
      const object = objects.get(file);
      if (object !== undefined) read.set(file, (await runGit(['cat-file', 'blob', object], { cwd: repoPath })).stdout);
    }),
  );
  return filesOf(repoPath, objects, read);
}

function filesOf(repoPath: string, objects: Map<string, string>, cache: Map<string, Buffer>): ProjectFiles {
  const paths = Object.freeze([...objects.keys()].sort());
  let cachedBytes = [...cache.values()].reduce((n, b) => n + b.length, 0);
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
