import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { AppError } from '../util/errors.js';
import { listZipEntries, normaliseEntryPath, openZipEntry, zipSourceFromBlob, zipSourceFromFile, type ZipSource } from './zip-read.js';

function buildZip(add: (zip: yazl.ZipFile) => void): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  add(zip);
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

/** Replaces every occurrence of `from` by `to` (same length) in a zip's bytes. */
function patch(buf: Buffer, from: string, to: string): Buffer {
  const out = Buffer.from(buf);
  let i = out.indexOf(from);
  while (i >= 0) {
    out.write(to, i);
    i = out.indexOf(from, i + 1);
  }
  return out;
}

let dir: string;
const big = Buffer.alloc(3 * 1024 * 1024, 'abcdefghij');

async function fileSource(name: string, bytes: Buffer): Promise<ZipSource> {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return zipSourceFromFile(file);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'zip-read-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('listZipEntries', () => {
  it('lists files and directories with sizes', async () => {
    const bytes = await buildZip((z) => {
      z.addBuffer(Buffer.from('hello\n'), 'out/hello.txt', { mtime: new Date('2024-05-01T10:00:00Z') });
      z.addEmptyDirectory('out/empty/');
      z.addBuffer(big, 'out/big.bin');
    });
    const listing = await listZipEntries(await fileSource('a.zip', bytes));
    expect(listing.total).toBe(3);
    expect(listing.truncated).toBe(false);
    expect(listing.entries.map((e) => [e.path, e.directory, e.size])).toEqual([
      ['out/hello.txt', false, 6],
      ['out/empty/', true, 0],
      ['out/big.bin', false, big.length],
    ]);
    expect(listing.entries[2].compressedSize).toBeLessThan(big.length / 10);
  });

  it('stops at the limit and says so', async () => {
    const bytes = await buildZip((z) => {
      for (let i = 0; i < 50; i++) z.addBuffer(Buffer.from(String(i)), `f${i}.txt`);
    });
    const listing = await listZipEntries(await fileSource('many.zip', bytes), { limit: 10 });
    expect(listing.entries).toHaveLength(10);
    expect(listing.total).toBe(50);
    expect(listing.truncated).toBe(true);
  });

  it('refuses an entry name that escapes (zip slip)', async () => {
    const bytes = await buildZip((z) => z.addBuffer(Buffer.from('x'), 'zz/evil.sh'));
    // Name bytes "zz/evil.sh" -> "../evil.sh" (same length), in both headers.
    const evil = patch(bytes, 'zz/evil.sh', '../evil.sh');
    const err = await listZipEntries(await fileSource('evil.zip', evil)).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(String(err.message)).toMatch(/invalid relative path/);
    const abs = patch(bytes, 'zz/evil.sh', '/z/evil.sh');
    await expect(listZipEntries(await fileSource('abs.zip', abs))).rejects.toThrow(/absolute path/);
  });

  it('refuses something that is not a zip', async () => {
    const err = await listZipEntries(await fileSource('not.zip', Buffer.from('hello world, not a zip'))).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('invalid_config');
  });

  it('refuses an archive whose declared entry count is absurd (reads only to the limit)', async () => {
    const bytes = await buildZip((z) => {
      for (let i = 0; i < 3; i++) z.addBuffer(Buffer.from(String(i)), `f${i}.txt`);
    });
    // End of central directory record: signature 0x06054b50; entry counts at +8 and +10.
    const eocd = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    const forged = Buffer.from(bytes);
    forged.writeUInt16LE(0xfffe, eocd + 8);
    forged.writeUInt16LE(0xfffe, eocd + 10);
    const listing = await listZipEntries(await fileSource('forged.zip', forged), { limit: 2 }).catch((e) => e);
    // Either the listing stops at the limit, or the damaged directory is reported: never a hang.
    if (listing instanceof Error) expect(listing).toBeInstanceOf(AppError);
    else expect(listing.entries).toHaveLength(2);
    const full = await listZipEntries(await fileSource('forged2.zip', forged)).catch((e) => e);
    expect(full).toBeInstanceOf(AppError);
  });
});

describe('openZipEntry', () => {
  it('streams one file with the right bytes', async () => {
    const bytes = await buildZip((z) => {
      z.addBuffer(Buffer.from('first'), 'a.txt');
      z.addBuffer(big, 'dir/big.bin');
    });
    const source = await fileSource('b.zip', bytes);
    const { entry, stream } = await openZipEntry(source, 'dir/big.bin');
    expect(entry.size).toBe(big.length);
    expect((await readAll(stream)).equals(big)).toBe(true);
    const small = await openZipEntry(source, '/./a.txt');
    expect((await readAll(small.stream)).toString()).toBe('first');
  });

  it('answers not_found for a missing file or a directory, bad_request for ..', async () => {
    const bytes = await buildZip((z) => {
      z.addBuffer(Buffer.from('x'), 'a.txt');
      z.addEmptyDirectory('d/');
    });
    const source = await fileSource('c.zip', bytes);
    await expect(openZipEntry(source, 'nope.txt')).rejects.toMatchObject({ code: 'not_found' });
    await expect(openZipEntry(source, 'd')).rejects.toMatchObject({ code: 'not_found' });
    await expect(openZipEntry(source, '../a.txt')).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('fails the stream when an entry is larger than it declares', async () => {
    const content = Buffer.alloc(100_000, 'z');
    const bytes = await buildZip((z) => z.addBuffer(content, 'bomb.txt'));
    // Central directory header 0x02014b50: uncompressed size at +24.
    const cd = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    const forged = Buffer.from(bytes);
    forged.writeUInt32LE(10, cd + 24);
    const { stream } = await openZipEntry(await fileSource('bomb.zip', forged), 'bomb.txt');
    await expect(readAll(stream)).rejects.toThrow(/too many bytes|size/);
  });

  it('normalises paths', () => {
    expect(normaliseEntryPath('/a//b/./c.txt')).toBe('a/b/c.txt');
    expect(() => normaliseEntryPath('a/../../b')).toThrow(AppError);
    expect(() => normaliseEntryPath('/')).toThrow(AppError);
  });
});

describe('zipSourceFromBlob', () => {
  it('reads a zip through the filesystem blob store', async () => {
    const { createFsBlobStore } = await import('./fs-blob-store.js');
    const { Readable } = await import('node:stream');
    const blobs = createFsBlobStore({ dir: path.join(dir, 'blobs') });
    const bytes = await buildZip((z) => {
      z.addBuffer(Buffer.from('one'), 'x/1.txt');
      z.addBuffer(big, 'x/big.bin');
    });
    await blobs.put('jobs/1/archive.zip', Readable.from([bytes]));
    const source = await zipSourceFromBlob(blobs, 'jobs/1/archive.zip');
    expect((await listZipEntries(source)).entries.map((e) => e.path)).toEqual(['x/1.txt', 'x/big.bin']);
    const { stream } = await openZipEntry(source, 'x/big.bin');
    expect((await readAll(stream)).equals(big)).toBe(true);
    await expect(zipSourceFromBlob(blobs, 'jobs/2/none.zip')).rejects.toMatchObject({ code: 'not_found' });
  });
});
