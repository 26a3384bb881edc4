// The job log as the runner keeps it: masked on the way in, bounded by an output limit, with a
// running CRC32 and byte size for the final PUT (`output.checksum` = "crc32:%08x").
import { crc32 } from 'node:zlib';
import { Masker } from './masker.js';
import { ANSI } from './ansi.js';

export interface TraceWriter {
  /** Appends text (or bytes) to the job log. */
  write(data: string | Buffer): void;
  /** Appends text and a newline. */
  writeln(text?: string): void;
}

export interface JobTraceOptions {
  secrets?: string[];
  tokenPrefixes?: string[];
  /** Bytes kept at most (gitlab-runner's output_limit, 4 MiB by default). */
  limitBytes?: number;
}

export class JobTrace implements TraceWriter {
  private buf = Buffer.alloc(64 * 1024);
  private len = 0;
  private crc = 0;
  private readonly masker: Masker;
  private readonly limit: number;
  private truncated = false;
  private ended = false;
  private readonly listeners = new Set<(length: number) => void>();

  constructor(opts: JobTraceOptions = {}) {
    this.masker = new Masker({ secrets: opts.secrets, prefixes: opts.tokenPrefixes });
    this.limit = opts.limitBytes ?? 4 * 1024 * 1024;
  }

  get length(): number {
    return this.len;
  }

  get checksum(): string {
    return `crc32:${(this.crc >>> 0).toString(16).padStart(8, '0')}`;
  }

  write(data: string | Buffer): void {
    if (this.ended) return;
    this.append(this.masker.write(typeof data === 'string' ? Buffer.from(data) : data));
  }

  writeln(text = ''): void {
    this.write(`${text}\n`);
  }

  /** Coloured one-liners as gitlab-runner prints them. */
  notice(text: string): void {
    this.writeln(`${ANSI.boldGreen}${text}${ANSI.reset}`);
  }
  info(text: string): void {
    this.writeln(`${ANSI.boldCyan}${text}${ANSI.reset}`);
  }
  warning(text: string): void {
    this.writeln(`${ANSI.yellow}WARNING: ${text}${ANSI.reset}`);
  }
  error(text: string): void {
    this.writeln(`${ANSI.boldRed}ERROR: ${text}${ANSI.reset}`);
  }

  /** Releases what the masker still holds; later writes are ignored. */
  end(): void {
    if (this.ended) return;
    this.append(this.masker.end());
    this.ended = true;
  }

  /** Bytes [from, from+max) of the (masked) log. */
  slice(from: number, max = Infinity): Buffer {
    const end = Math.min(this.len, from + max);
    return Buffer.from(this.buf.subarray(Math.max(0, from), Math.max(from, end)));
  }

  toString(): string {
    return this.buf.subarray(0, this.len).toString('utf8');
  }

  onGrow(listener: (length: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private append(bytes: Buffer): void {
    if (bytes.length === 0 || this.truncated) return;
    let data = bytes;
    if (this.len + data.length > this.limit) {
      const notice = Buffer.from(
        `\n${ANSI.yellow}Job's log exceeded limit of ${this.limit} bytes.\nJob execution will continue but no more output will be collected.${ANSI.reset}\n`,
      );
      data = Buffer.concat([data.subarray(0, Math.max(0, this.limit - this.len)), notice]);
      this.truncated = true;
    }
    if (this.len + data.length > this.buf.length) {
      const grown = Buffer.alloc(Math.max(this.buf.length * 2, this.len + data.length));
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    data.copy(this.buf, this.len);
    this.len += data.length;
    this.crc = crc32(data, this.crc);
    for (const l of this.listeners) l(this.len);
  }
}
