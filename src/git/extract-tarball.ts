// Extracts an uploaded tarball (tar, gzip; bzip2/xz/zstd through the system decompressors) into
// a fresh directory, writing only what it has checked, so that no path from the upload can reach
// outside that directory:
//   - absolute paths and ".." components are refused;
//   - symbolic links are created as links, whatever they point at, and never followed: an entry
//     whose parent is a symlink (`link -> /etc`, then `link/passwd`) is refused, parents are
//     checked with lstat, files are created with O_EXCL|O_NOFOLLOW;
//   - a hard link must name a regular file extracted earlier from the same archive (its bytes
//     are copied); devices, fifos and sparse files are refused;
//   - `.git` components are skipped (git never commits them, and a `.git` in the tree would let
//     the upload configure the git that commits it);
//   - entry count and total size are bounded.
// A refusal is a 400 naming the entry.
import { spawn } from 'node:child_process';
import { constants, createReadStream } from 'node:fs';
import { copyFile, lstat, mkdir, open, symlink, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { AppError, badRequest } from '../util/errors.js';
import { readTar, type TarEntry } from './tar-reader.js';

export interface ExtractTarballOptions {
  /** The archive file. */
  file: string;
  /** An empty directory the caller owns. */
  dir: string;
  signal?: AbortSignal;
  /** Total bytes of file contents (default 4 GiB). */
  maxBytes?: number;
  /** Number of entries (default 200,000). */
  maxEntries?: number;
}

export interface ExtractTarballResult {
  entries: number;
  /** Entries left out (under `.git`). */
  skipped: number;
}

const DECOMPRESSORS: { magic: number[]; command: string; name: string }[] = [
  { magic: [0x42, 0x5a, 0x68], command: 'bzip2', name: 'bzip2' },
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], command: 'xz', name: 'xz' },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], command: 'zstd', name: 'zstd' },
];

async function openArchive(file: string, signal?: AbortSignal): Promise<Readable> {
  const head = Buffer.alloc(6);
  const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ENOENT' || error.code === 'EISDIR' ? badRequest(`cannot extract tarball: no such file ${file}`) : error;
  });
  let n: number;
  try {
    n = (await handle.read(head, 0, 6, 0)).bytesRead;
  } finally {
    await handle.close();
  }
  const starts = (magic: number[]) => n >= magic.length && magic.every((byte, i) => head[i] === byte);
  if (starts([0x1f, 0x8b])) return createReadStream(file, { signal }).pipe(createGunzip());
  const tool = DECOMPRESSORS.find((d) => starts(d.magic));
  if (!tool) return createReadStream(file, { signal });
  const child = spawn(tool.command, ['-d', '-c'], { stdio: ['pipe', 'pipe', 'ignore'], signal });
  const out = child.stdout;
  child.on('error', (error) => out.destroy(badRequest(`cannot extract tarball: ${tool.name} is not available on the server (${(error as Error).message})`)));
  child.on('close', (code) => {
    if (code !== 0 && code !== null) out.destroy(badRequest(`cannot extract tarball: ${tool.name} failed (exit ${code})`));
  });
  child.stdin.on('error', () => undefined);
  createReadStream(file, { signal }).pipe(child.stdin);
  return out;
}

const refuse = (entry: TarEntry | string, why: string) =>
  badRequest(`tarball entry ${JSON.stringify(typeof entry === 'string' ? entry : entry.path)} ${why}`);

/** The entry path as components under the extraction root; refuses absolute and ".." paths. */
export function entryComponents(raw: string, what = 'path'): string[] {
  if (raw.includes('\0')) throw refuse(raw, `has a NUL byte in its ${what}`);
  if (raw.startsWith('/') || /^[A-Za-z]:[\\/]/.test(raw)) throw refuse(raw, `has an absolute ${what}; only relative paths are accepted`);
  const parts = raw.split('/').filter((c) => c !== '' && c !== '.');
  if (parts.includes('..')) throw refuse(raw, `has ".." in its ${what}; it would escape the extraction directory`);
  return parts;
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

async function lstatOrNull(p: string) {
  try {
    return await lstat(p);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

export async function extractTarball(options: ExtractTarballOptions): Promise<ExtractTarballResult> {
  const { dir, signal } = options;
  const maxBytes = options.maxBytes ?? 4 * 1024 * 1024 * 1024;
  const maxEntries = options.maxEntries ?? 200_000;
  /** Directories (relative paths) confirmed by lstat to be real directories. */
  const dirs = new Set<string>(['']);
  /** Regular files extracted so far (relative paths): the only valid hard-link sources. */
  const files = new Set<string>();
  let entries = 0;
  let skipped = 0;
  let bytes = 0;

  /** Makes sure every parent of `parts` is a real directory, creating missing ones. */
  async function parentsOf(entry: TarEntry, parts: string[]): Promise<void> {
    for (let i = 1; i < parts.length; i++) {
      const rel = parts.slice(0, i).join('/');
      if (dirs.has(rel)) continue;
      const abs = path.join(dir, rel);
      let st = await lstatOrNull(abs);
      if (!st) {
        await mkdir(abs, { mode: 0o755 });
        st = await lstat(abs);
      }
      if (st.isSymbolicLink()) throw refuse(entry, `goes through the symbolic link ${JSON.stringify(rel)}; links in an upload are stored, never followed`);
      if (!st.isDirectory()) throw refuse(entry, `is under ${JSON.stringify(rel)}, which is not a directory`);
      dirs.add(rel);
    }
  }

  /** Clears the target path for a new non-directory entry (never a directory). */
  async function clearTarget(entry: TarEntry, rel: string, abs: string): Promise<void> {
    const st = await lstatOrNull(abs);
    if (!st) return;
    if (st.isDirectory()) throw refuse(entry, 'would replace a directory of the same name');
    await unlink(abs); // a file or a symlink: unlink never follows
    files.delete(rel);
  }

  async function writeFile(entry: TarEntry, abs: string, body: AsyncIterable<Buffer>): Promise<void> {
    const handle: FileHandle = await open(abs, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, entry.mode & 0o111 ? 0o755 : 0o644);
    try {
      for await (const chunk of body) {
        bytes += chunk.length;
        if (bytes > maxBytes) throw new AppError('payload_too_large', `tarball expands to more than ${maxBytes} bytes`);
        await handle.write(chunk);
      }
    } finally {
      await handle.close();
    }
  }

  const archive = await openArchive(options.file, signal);
  try {
    for await (const { entry, body } of readTar(archive)) {
      signal?.throwIfAborted();
      if (++entries > maxEntries) throw new AppError('payload_too_large', `tarball has more than ${maxEntries} entries`);
      const parts = entryComponents(entry.path);
      if (parts.some((c) => c.toLowerCase() === '.git')) {
        skipped++;
        continue;
      }
      if (!parts.length) continue; // "./": the root itself
      const rel = parts.join('/');
      const abs = path.join(dir, ...parts);
      await parentsOf(entry, parts);
      switch (entry.type) {
        case 'directory': {
          const st = await lstatOrNull(abs);
          if (st && !st.isDirectory()) await clearTarget(entry, rel, abs);
          if (!st || !st.isDirectory()) await mkdir(abs, { mode: 0o755 });
          if (!(await lstat(abs)).isDirectory()) throw refuse(entry, 'is not a directory after extraction');
          dirs.add(rel);
          break;
        }
        case 'file':
          await clearTarget(entry, rel, abs);
          await writeFile(entry, abs, body);
          files.add(rel);
          break;
        case 'symlink':
          if (!entry.linkname) throw refuse(entry, 'is a symbolic link without a target');
          await clearTarget(entry, rel, abs);
          await symlink(entry.linkname, abs);
          break;
        case 'hardlink': {
          const source = entryComponents(entry.linkname, 'hard link target').join('/');
          const sourceAbs = path.join(dir, ...source.split('/'));
          const st = files.has(source) ? await lstatOrNull(sourceAbs) : null;
          if (!st || !st.isFile()) {
            throw refuse(entry, `is a hard link to ${JSON.stringify(entry.linkname)}, which is not a regular file earlier in the archive`);
          }
          if (source === rel) break;
          await clearTarget(entry, rel, abs);
          await copyFile(sourceAbs, abs, constants.COPYFILE_EXCL);
          files.add(rel);
          break;
        }
        case 'character-device':
        case 'block-device':
        case 'fifo':
          throw refuse(entry, `is a ${entry.type.replace('-', ' ')}; only files, directories and links are accepted`);
        case 'sparse':
          throw refuse(entry, 'is a GNU sparse file, which is not supported');
        default:
          throw refuse(entry, `has an unsupported entry type ${JSON.stringify(entry.typeflag)}`);
      }
    }
  } catch (error) {
    const code = String((error as NodeJS.ErrnoException).code ?? '');
    if (code.startsWith('Z_')) throw badRequest(`cannot extract tarball: ${(error as Error).message} (not a gzip archive?)`);
    if (code === 'ENAMETOOLONG') throw badRequest('cannot extract tarball: an entry name is too long');
    throw error;
  } finally {
    archive.destroy();
  }
  return { entries, skipped };
}
