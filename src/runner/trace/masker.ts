// Streaming secret masking, applied to the trace before it leaves the runner (§7): exact values
// (masked variables, the job token) become "[MASKED]"; a word starting with a token prefix
// (glpat- and the payload's token_mask_prefixes) keeps its prefix and loses the rest.
// A secret can arrive split over two writes: the masker holds back the longest tail that could
// still become a secret or a prefixed token, and releases it with the next write or at the end.

const MASK = Buffer.from('[MASKED]');
const TOKEN_BODY = /[A-Za-z0-9_-]/;

export const DEFAULT_TOKEN_PREFIXES = ['glpat-'];

export class Masker {
  private readonly secrets: Buffer[];
  private readonly prefixes: Buffer[];
  private pending: Buffer = Buffer.alloc(0);
  /** Secrets and prefixes by their first byte, and the longest length, for partialTail. */
  private readonly byFirstByte = new Map<number, Buffer[]>();
  private longest = 0;

  constructor(opts: { secrets?: string[]; prefixes?: string[] } = {}) {
    const uniq = (xs: string[]) => [...new Set(xs.filter((x) => x.length > 0))];
    // Longest first, so that a secret containing another one is masked whole.
    this.secrets = uniq(opts.secrets ?? []).map((s) => Buffer.from(s)).sort((a, b) => b.length - a.length);
    this.prefixes = uniq(opts.prefixes ?? []).map((s) => Buffer.from(s));
    for (const s of [...this.secrets, ...this.prefixes]) {
      this.longest = Math.max(this.longest, s.length);
      const list = this.byFirstByte.get(s[0]);
      if (list) list.push(s);
      else this.byFirstByte.set(s[0], [s]);
    }
  }

  /** Masks what can be decided now; returns the bytes that may be released. */
  write(chunk: Buffer): Buffer {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    return this.drain(false);
  }

  /** Releases everything still held (end of output). */
  end(): Buffer {
    return this.drain(true);
  }

  private drain(final: boolean): Buffer {
    const buf = this.pending;
    const out: Buffer[] = [];
    let i = 0;
    let held: number;
    for (;;) {
      const m = this.nextMatch(buf, i);
      if (!m) {
        held = final ? buf.length : buf.length - this.partialTail(buf, i);
        break;
      }
      if (m.secret) {
        out.push(buf.subarray(i, m.at), MASK);
        i = m.at + m.secret.length;
        continue;
      }
      const bodyStart = m.at + m.prefix!.length;
      let end = bodyStart;
      while (end < buf.length && TOKEN_BODY.test(String.fromCharCode(buf[end]))) end++;
      if (end === buf.length && !final) {
        held = m.at;
        break;
      }
      out.push(buf.subarray(i, bodyStart));
      if (end > bodyStart) out.push(MASK);
      i = end;
    }
    out.push(buf.subarray(i, held));
    this.pending = Buffer.from(buf.subarray(held));
    return Buffer.concat(out);
  }

  private nextMatch(buf: Buffer, from: number): { at: number; secret?: Buffer; prefix?: Buffer } | null {
    let best: { at: number; secret?: Buffer; prefix?: Buffer } | null = null;
    for (const secret of this.secrets) {
      const at = buf.indexOf(secret, from);
      if (at >= 0 && (!best || at < best.at)) best = { at, secret };
    }
    for (const prefix of this.prefixes) {
      const at = buf.indexOf(prefix, from);
      if (at >= 0 && (!best || at < best.at)) best = { at, prefix };
    }
    return best;
  }

  /** Length of the longest tail of buf[from..] that is a proper prefix of a secret or token prefix. */
  private partialTail(buf: Buffer, from: number): number {
    // Only the last (longest pattern - 1) bytes can start one; the first position where some
    // pattern's head matches gives the longest tail. No allocations: this runs on every write.
    const start = Math.max(from, buf.length - this.longest + 1);
    for (let p = start; p < buf.length; p++) {
      const candidates = this.byFirstByte.get(buf[p]);
      if (!candidates) continue;
      const n = buf.length - p;
      for (const s of candidates) if (n < s.length && buf.compare(s, 0, n, p, buf.length) === 0) return n;
    }
    return 0;
  }
}
