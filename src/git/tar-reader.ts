// A streaming reader of tar archives (POSIX ustar and pax, GNU long names, old v7 headers), so
// that intake sees every entry exactly as it is before anything is written to disk (see
// extract-tarball.ts). It decodes headers and hands out each entry's bytes; it never touches the
// file system.
//
//   header block (512) -> [pax 'x' / GNU 'L','K' meta entries apply to the next header]
//   -> entry data padded to 512 -> next header ... -> zero block(s) or end of input
import { badRequest } from '../util/errors.js';

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'character-device' | 'block-device' | 'fifo' | 'sparse' | 'unknown';

export interface TarEntry {
  /** The path as written in the archive (after pax / GNU long-name overrides), not normalised. */
  path: string;
  type: TarEntryType;
  /** The raw typeflag character ('0', '5', '2', …). */
  typeflag: string;
  /** Symlink target or hard-link source, as written. */
  linkname: string;
  mode: number;
  size: number;
}

const BLOCK = 512;
/** Pax headers and GNU long names are small; anything bigger is not a real archive. */
const MAX_META_BYTES = 1024 * 1024;

/** Exact-size reads over an async iterable of chunks. */
class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;
  private readonly it: AsyncIterator<Buffer>;

  constructor(source: AsyncIterable<Buffer>) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async fill(n: number): Promise<void> {
    while (this.buffered < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else if (r.value.length) {
        this.chunks.push(r.value);
        this.buffered += r.value.length;
      }
    }
  }

  /** Up to `max` bytes (at least 1 unless the input ended). */
  async some(max: number): Promise<Buffer> {
    await this.fill(1);
    if (!this.buffered) return Buffer.alloc(0);
    const first = this.chunks[0];
    if (first.length <= max) {
      this.chunks.shift();
      this.buffered -= first.length;
      return first;
    }
    this.chunks[0] = first.subarray(max);
    this.buffered -= max;
    return first.subarray(0, max);
  }

  /** Exactly n bytes; null when the input ended before any of them, an error when in the middle. */
  async exactly(n: number): Promise<Buffer | null> {
    await this.fill(n);
    if (this.buffered === 0) return null;
    if (this.buffered < n) throw badRequest('cannot extract tarball: unexpected end of archive');
    const parts: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const part = await this.some(left);
      parts.push(part);
      left -= part.length;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) {
      const part = await this.some(Math.min(left, 1024 * 1024));
      if (!part.length) throw badRequest('cannot extract tarball: unexpected end of archive');
      left -= part.length;
    }
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}

function text(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

function octal(block: Buffer, start: number, length: number, what: string): number {
  if (block[start] & 0x80) {
    // GNU base-256 (big-endian binary) for values that do not fit in octal digits.
    let value = 0;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + block[i];
    if ((block[start] & 0x40) || !Number.isSafeInteger(value)) throw badRequest(`cannot extract tarball: invalid ${what} field`);
    return value;
  }
  const digits = text(block, start, length).trim();
  if (!digits) return 0;
  if (!/^[0-7]+$/.test(digits)) throw badRequest(`cannot extract tarball: invalid ${what} field (not a tar archive?)`);
  return Number.parseInt(digits, 8);
}

function checksumOk(block: Buffer): boolean {
  const stored = octal(block, 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i];
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

const TYPES: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'character-device',
  '4': 'block-device',
  '5': 'directory',
  D: 'directory', // GNU dumpdir: a directory with a listing as its data
  '6': 'fifo',
  S: 'sparse',
};

/** Pax extended header records: "<len> <key>=<value>\n". */
function paxRecords(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    const len = space < 0 ? NaN : Number.parseInt(data.subarray(offset, space).toString('latin1'), 10);
    if (!Number.isFinite(len) || len <= space - offset || offset + len > data.length) throw badRequest('cannot extract tarball: malformed pax header');
    const record = data.subarray(space + 1, offset + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    offset += len;
  }
  return out;
}

export interface TarEntryWithBody {
  entry: TarEntry;
  /** The entry's bytes; whatever is not consumed is skipped before the next entry. */
  body: AsyncIterable<Buffer>;
}

/** The entries of an (uncompressed) tar stream, in archive order. */
export async function* readTar(source: AsyncIterable<Buffer>): AsyncGenerator<TarEntryWithBody> {
  const reader = new ByteReader(source);
  try {
    let pax = new Map<string, string>();
    let longName: string | null = null;
    let longLink: string | null = null;
    let sawHeader = false;
    for (;;) {
      const block = await reader.exactly(BLOCK);
      if (!block) {
        if (!sawHeader) throw badRequest('cannot extract tarball: the archive is empty');
        return;
      }
      if (block.every((byte) => byte === 0)) return; // end-of-archive marker
      if (!checksumOk(block)) throw badRequest('cannot extract tarball: bad header checksum (not a tar archive?)');
      sawHeader = true;
      const typeflag = String.fromCharCode(block[156]);
      const rawSize = octal(block, 124, 12, 'size');
      const padded = Math.ceil(rawSize / BLOCK) * BLOCK;

      if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
        if (rawSize > MAX_META_BYTES) throw badRequest('cannot extract tarball: oversized pax or long-name header');
        const data = (await reader.exactly(padded)) ?? Buffer.alloc(0);
        const content = data.subarray(0, rawSize);
        if (typeflag === 'x') pax = paxRecords(content);
        else if (typeflag === 'L') longName = text(content, 0, content.length);
        else if (typeflag === 'K') longLink = text(content, 0, content.length);
        // 'g' (global pax header) carries nothing intake uses.
        continue;
      }
      if (typeflag === 'V') {
        await reader.skip(padded); // GNU volume label
        continue;
      }

      const magic = block.subarray(257, 263).toString('latin1');
      let name = text(block, 0, 100);
      // POSIX ustar splits long names into prefix/name; GNU's "ustar  " uses those bytes otherwise.
      if (magic === 'ustar\0') {
        const prefix = text(block, 345, 155);
        if (prefix) name = `${prefix}/${name}`;
      }
      name = pax.get('path') ?? longName ?? name;
      const linkname = pax.get('linkpath') ?? longLink ?? text(block, 157, 100);
      const paxSize = pax.get('size');
      const size = paxSize !== undefined && /^\d+$/.test(paxSize) ? Number(paxSize) : rawSize;
      pax = new Map();
      longName = longLink = null;

      let type = TYPES[typeflag] ?? 'unknown';
      if (type === 'file' && typeflag !== '7' && name.endsWith('/')) type = 'directory'; // v7 directories
      const entry: TarEntry = { path: name, type, typeflag, linkname, mode: octal(block, 100, 8, 'mode') & 0o7777, size };
      // Links, devices and directories carry no data in practice; `size` is honoured anyway.
      const dataBytes = size;
      const dataPadded = Math.ceil(dataBytes / BLOCK) * BLOCK;
      let consumed = 0;
      const body: AsyncIterable<Buffer> = {
        async *[Symbol.asyncIterator]() {
          while (consumed < dataBytes) {
            const part = await reader.some(dataBytes - consumed);
            if (!part.length) throw badRequest(`cannot extract tarball: unexpected end of archive in ${JSON.stringify(name)}`);
            consumed += part.length;
            yield part;
          }
        },
      };
      yield { entry, body };
      if (consumed < dataBytes) await reader.skip(dataBytes - consumed);
      await reader.skip(dataPadded - dataBytes);
    }
  } finally {
    await reader.close();
  }
}
