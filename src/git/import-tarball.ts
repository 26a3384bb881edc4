// Source intake from a tarball (.tar, .tar.gz, .tgz, .tar.bz2/.xz/.zst): extracted by
// extract-tarball.ts into a temporary directory (every entry checked: nothing can land or point
// the extraction outside it, symlinks are stored as symlinks), unwrapped when the archive holds
// a single top directory (as forge archives do; a symlink is never unwrapped), then committed
// like a plain directory (see snapshot.ts), never as a git work tree of its own.
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extractTarball } from './extract-tarball.js';
import type { RepoStore } from './repo-store.js';
import { snapshotDirectory, type SourceSnapshot } from './snapshot.js';

export interface ImportTarballOptions {
  repos: RepoStore;
  projectPath: string;
  /** A file path, or a stream of the archive bytes. */
  tarball: string | Readable;
  ref?: string;
  message?: string;
  signal?: AbortSignal;
}

export async function importTarball(options: ImportTarballOptions): Promise<SourceSnapshot> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'gcd-tarball-'));
  try {
    let file: string;
    if (typeof options.tarball === 'string') {
      file = options.tarball;
    } else {
      file = path.join(tmp, 'upload.tar');
      await pipeline(options.tarball, createWriteStream(file), { signal: options.signal });
    }
    const out = path.join(tmp, 'tree');
    await mkdir(out, { mode: 0o700 });
    await extractTarball({ file, dir: out, signal: options.signal });
    let root = out;
    const entries = await readdir(out);
    // lstat: a single top-level symlink is content (committed as a link), not a directory to enter.
    if (entries.length === 1 && (await lstat(path.join(out, entries[0]))).isDirectory()) root = path.join(out, entries[0]);
    return await snapshotDirectory({
      repos: options.repos,
      projectPath: options.projectPath,
      dir: root,
      untrusted: true,
      ref: options.ref,
      message: options.message ?? `Import of ${typeof options.tarball === 'string' ? path.basename(options.tarball) : 'tarball'}`,
      signal: options.signal,
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
