// Extracting a zip (dependency artifacts, cache) into a directory with zip-slip protection:
// no absolute names, no `..` escape, no writing through a symlink that leads outside, and
// symlink entries only when their target stays inside. Modes (exec bit) and mtimes are kept.
import { createWriteStream } from 'node:fs';
import { chmod, lstat, mkdir, realpath, rm, symlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';

export class ZipSlipError extends Error {
  constructor(name: string) {
    super(`refusing to extract "${name}": it points outside the destination directory`);
    this.name = 'ZipSlipError';
  }
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: true, decodeStrings: true, validateEntrySizes: true, strictFileNames: false }, (err, zip) =>
      err ? reject(err) : resolve(zip!),
    ),
  );
}

const within = (root: string, abs: string) => abs === root || abs.startsWith(root + path.sep);

export async function extractZip(file: string, destDir: string, opts: { warn?: (m: string) => void } = {}): Promise<number> {
  await mkdir(destDir, { recursive: true });
  const root = await realpath(destDir);
  const zip = await openZip(file);
  let count = 0;
  const readStream = (entry: yauzl.Entry) =>
    new Promise<Readable>((resolve, reject) => zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s!))));
  const safeParent = async (abs: string) => {
    await mkdir(path.dirname(abs), { recursive: true });
    const real = await realpath(path.dirname(abs));
    if (!within(root, real)) throw new ZipSlipError(path.relative(root, abs));
  };
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        (async () => {
          const name = entry.fileName.replace(/\\/g, '/');
          if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.split('/').includes('..')) throw new ZipSlipError(name);
          const abs = path.resolve(root, name);
          if (!within(root, abs)) throw new ZipSlipError(name);
          const mode = (entry.externalFileAttributes >>> 16) & 0xffff;
          const type = mode & 0o170000;
          if (name.endsWith('/') || type === 0o040000) {
            await safeParent(path.join(abs, 'x'));
          } else if (type === 0o120000) {
            const target = (await streamToBuffer(await readStream(entry))).toString();
            await safeParent(abs);
            const resolved = path.resolve(path.dirname(abs), target);
            if (path.isAbsolute(target) || !within(root, resolved)) {
              opts.warn?.(`skipping symlink ${name} -> ${target}: it points outside the destination`);
            } else {
              await rm(abs, { force: true, recursive: true });
              await symlink(target, abs);
              count++;
            }
          } else {
            await safeParent(abs);
            const existing = await lstat(abs).catch(() => null);
            if (existing?.isSymbolicLink() || existing?.isDirectory()) await rm(abs, { force: true, recursive: true });
            await pipeline(await readStream(entry), createWriteStream(abs));
            if (type === 0o100000 && mode & 0o777) await chmod(abs, mode & 0o777);
            await utimes(abs, entry.getLastModDate(), entry.getLastModDate()).catch(() => {});
            count++;
          }
        })().then(() => zip.readEntry(), (e) => {
          zip.close();
          reject(e);
        });
      });
      zip.readEntry();
    });
  } catch (e) {
    // yauzl's own name validation refuses the same names: report them the same way.
    if (e instanceof Error && /invalid relative path|absolute path/.test(e.message)) throw new ZipSlipError(e.message.replace(/^.*: /, ''));
    throw e;
  } finally {
    if (zip.isOpen) zip.close();
  }
  return count;
}

async function streamToBuffer(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}
