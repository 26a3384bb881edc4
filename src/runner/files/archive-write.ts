// Writing artifact and cache archives to a file on disk (then streamed to the coordinator):
// zip with yazl (files read from disk as streams, modes and mtimes kept, symlinks stored as
// links); gzip as gitlab-runner writes it (one gzip member per file, header name = base name,
// comment = relative path); raw = exactly one file as it is.
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, readlink, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createDeflateRaw, crc32 } from 'node:zlib';
import { PassThrough } from 'node:stream';
import yazl from 'yazl';

export async function writeZip(root: string, entries: string[], dest: string): Promise<number> {
  const zip = new yazl.ZipFile();
  let count = 0;
  for (const rel of entries) {
    const abs = path.join(root, rel);
    const st = await lstat(abs).catch(() => null);
    if (!st) continue;
    if (st.isDirectory()) {
      zip.addEmptyDirectory(rel, { mtime: st.mtime, mode: st.mode });
    } else if (st.isSymbolicLink()) {
      const target = await readlink(abs);
      zip.addBuffer(Buffer.from(target), rel, { mtime: st.mtime, mode: st.mode, compress: false });
    } else if (st.isFile()) {
      zip.addReadStream(createReadStream(abs), rel, { mtime: st.mtime, mode: st.mode, size: st.size });
    } else continue;
    count++;
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(dest));
  return count;
}

function gzipHeader(name: string, comment: string, mtime: Date): Buffer {
  const FNAME = 0x08;
  const FCOMMENT = 0x10;
  const head = Buffer.alloc(10);
  head[0] = 0x1f;
  head[1] = 0x8b;
  head[2] = 8;
  head[3] = FNAME | FCOMMENT;
  head.writeUInt32LE(Math.floor(mtime.getTime() / 1000) >>> 0, 4);
  head[8] = 0;
  head[9] = 3; // unix
  const latin1 = (s: string) => Buffer.from(s.replace(/\0/g, ''), 'latin1');
  return Buffer.concat([head, latin1(name), Buffer.from([0]), latin1(comment), Buffer.from([0])]);
}

/** gitlab-runner's "gzip" artifact: each regular file as its own gzip member, concatenated. */
export async function writeGzipMembers(root: string, entries: string[], dest: string): Promise<number> {
  const out = createWriteStream(dest);
  const pass = new PassThrough();
  const done = pipeline(pass, out);
  let count = 0;
  for (const rel of entries) {
    const abs = path.join(root, rel);
    const st = await lstat(abs).catch(() => null);
    if (!st?.isFile()) continue;
    pass.write(gzipHeader(path.basename(rel), rel, st.mtime));
    let crc = 0;
    let size = 0;
    const deflate = createDeflateRaw();
    const source = createReadStream(abs);
    source.on('data', (b) => {
      crc = crc32(b as Buffer, crc);
      size += (b as Buffer).length;
    });
    source.pipe(deflate);
    for await (const chunk of deflate) if (!pass.write(chunk)) await new Promise((r) => pass.once('drain', r));
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc >>> 0, 0);
    trailer.writeUInt32LE(size >>> 0, 4);
    pass.write(trailer);
    count++;
  }
  pass.end();
  await done;
  return count;
}

/** "raw": exactly one regular file, as it is. */
export async function writeRaw(root: string, entries: string[], dest: string): Promise<number> {
  const files: string[] = [];
  for (const rel of entries) if ((await lstat(path.join(root, rel)).catch(() => null))?.isFile()) files.push(rel);
  if (files.length !== 1) throw new Error(`raw artifact needs exactly one file, found ${files.length}`);
  await copyFile(path.join(root, files[0]), dest);
  return 1;
}
