// The git-receive-pack response on its way to the pusher, so that the server can add its own
// `remote: ` lines (pipeline URLs, configuration errors, refused refs) once the push is processed,
// as GitLab's post-receive messages appear.
//
// With side-band(-64k) (what every git client asks for), receive-pack answers a sequence of
// sideband pkt-lines (band 1: report-status, band 2: progress) closed by ONE top-level flush-pkt.
// This transform passes every packet through as it comes, except that final flush, which
// `finish(lines)` releases after the server's band-2 messages (the stream ends only then). Without
// side-band there is no place for messages: everything passes through untouched.
import { Transform, type TransformCallback } from 'node:stream';

const MAX_BAND_PAYLOAD = 65515; // side-band-64k: 65520 - 4 (length) - 1 (band)

function pkt(payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from((payload.length + 4).toString(16).padStart(4, '0'), 'latin1'), payload]);
}

/** Band-2 packets that git prints as "remote: <line>". */
export function progressPackets(lines: string[]): Buffer {
  const out: Buffer[] = [];
  for (const line of lines) {
    const bytes = Buffer.from(`${line}\n`, 'utf8');
    for (let i = 0; i < bytes.length; i += MAX_BAND_PAYLOAD - 1) {
      out.push(pkt(Buffer.concat([Buffer.from([2]), bytes.subarray(i, i + MAX_BAND_PAYLOAD - 1)])));
    }
  }
  return Buffer.concat(out);
}

export class ReceivePackOutput extends Transform {
  private pending = Buffer.alloc(0);
  private heldFlush = false;
  private passThrough = false;
  private resolveLines!: (lines: string[]) => void;
  private readonly lines = new Promise<string[]>((resolve) => (this.resolveLines = resolve));

  /** `sideband` is asked when the first chunk arrives: whether the client asked for a side band. */
  constructor(private readonly sideband: () => boolean) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.passThrough || !this.sideband()) {
      this.passThrough = true;
      callback(null, chunk);
      return;
    }
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let offset = 0;
    while (buf.length - offset >= 4) {
      const len = Number.parseInt(buf.subarray(offset, offset + 4).toString('latin1'), 16);
      if (!Number.isFinite(len) || (len > 0 && len < 4)) {
        // Not pkt-lines (should not happen): stop interpreting, pass the rest as it is.
        this.flushHeld();
        this.passThrough = true;
        this.push(buf.subarray(offset));
        this.pending = Buffer.alloc(0);
        callback();
        return;
      }
      const size = len === 0 ? 4 : len;
      if (buf.length - offset < size) break;
      this.flushHeld(); // a packet after a flush: that flush was not the last one
      if (len === 0) this.heldFlush = true;
      else this.push(buf.subarray(offset, offset + size));
      offset += size;
    }
    buf = buf.subarray(offset);
    this.pending = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
    callback();
  }

  private flushHeld(): void {
    if (this.heldFlush) {
      this.push(Buffer.from('0000', 'latin1'));
      this.heldFlush = false;
    }
  }

  /** The messages to print; the response ends once they are written (after git's own output). */
  finish(lines: string[]): void {
    this.resolveLines(lines);
  }

  override _flush(callback: TransformCallback): void {
    void this.lines.then((lines) => {
      if (this.pending.length) this.push(this.pending);
      this.pending = Buffer.alloc(0);
      if (this.heldFlush && lines.length) this.push(progressPackets(lines));
      this.flushHeld();
      callback();
    });
  }
}
