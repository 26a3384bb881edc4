// Source intake from a tarball (.tar, .tar.gz, .tgz …): extracted with the system `tar` into a
// temporary directory (GNU tar strips leading "/" and refuses ".." members), unwrapped when the
// archive holds a single top directory (as forge archives do), then committed like a plain
// directory (see snapshot.ts).
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { badRequest } from '../util/errors.js';
import type { RepoStore } from './repo-store.js';
import { snapshotDirectory, type SourceSnapshot } from './snapshot.js';

const execFileAsync = promisify(execFile);

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
    await mkdir(out);
    try {
      await execFileAsync('tar', ['-x', '-f', file, '-C', out, '--no-same-owner', '--no-same-permissions'], {
        signal: options.signal,
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (error) {
      throw badRequest(`cannot extract tarball: ${String((error as { stderr?: string }).stderr ?? error).trim().slice(0, 300)}`);
    }
    let root = out;
    const entries = await readdir(out);
    if (entries.length === 1 && (await stat(path.join(out, entries[0]))).isDirectory()) root = path.join(out, entries[0]);
    return await snapshotDirectory({
      repos: options.repos,
      projectPath: options.projectPath,
      dir: root,
      ref: options.ref,
      message: options.message ?? `Import of ${typeof options.tarball === 'string' ? path.basename(options.tarball) : 'tarball'}`,
      signal: options.signal,
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
