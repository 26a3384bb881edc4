// Reads the ref update commands at the start of a git-receive-pack request while passing the body
// through untouched: pkt-lines "<old> <new> <ref>[\0capabilities]\n" up to the first flush-pkt
// ("0000"), then the pack. Only the command section (bounded) is buffered.
import { Transform, type TransformCallback } from 'node:stream';

export interface RefUpdateCommand {
  oldSha: string;
  newSha: string;
  ref: string;
}

const COMMAND = /^([0-9a-f]{40}|[0-9a-f]{64}) ([0-9a-f]{40}|[0-9a-f]{64}) (refs\/\S+)$/;
const MAX_COMMAND_BYTES = 4 * 1024 * 1024;

export class ReceivePackCommandReader extends Transform {
  readonly commands: RefUpdateCommand[] = [];
  /** Capabilities sent with the first command ("report-status", "side-band-64k", …). */
  capabilities: string[] = [];
  private head: Buffer | null = Buffer.alloc(0);

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.head) this.scan(chunk);
    callback(null, chunk);
  }

  private scan(chunk: Buffer): void {
    let buf = Buffer.concat([this.head!, chunk]);
    let offset = 0;
    for (;;) {
      if (buf.length - offset < 4) break;
      const len = Number.parseInt(buf.subarray(offset, offset + 4).toString('latin1'), 16);
      if (!Number.isFinite(len) || (len > 0 && len < 4)) {
        this.head = null; // not pkt-lines: give up quietly, git will reject the request itself
        return;
      }
      if (len === 0) {
        this.head = null; // flush-pkt: the command list is complete
        return;
      }
      if (buf.length - offset < len) break;
      const line = buf.subarray(offset + 4, offset + len).toString('utf8');
      const [command, caps] = line.replace(/\n$/, '').split('\0');
      if (caps !== undefined && !this.commands.length) this.capabilities = caps.split(' ').filter(Boolean);
      const m = COMMAND.exec(command);
      if (m) this.commands.push({ oldSha: m[1], newSha: m[2], ref: m[3] });
      offset += len;
    }
    buf = buf.subarray(offset);
    this.head = buf.length > MAX_COMMAND_BYTES ? null : Buffer.from(buf);
  }
}
