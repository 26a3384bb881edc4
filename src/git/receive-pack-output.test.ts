import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressPackets, ReceivePackOutput } from './receive-pack-output.js';

const pkt = (band: number, text: string) => `${(text.length + 5).toString(16).padStart(4, '0')}${String.fromCharCode(band)}${text}`;

async function run(chunks: string[], sideband: boolean, lines: string[]): Promise<string> {
  const out = new ReceivePackOutput(() => sideband);
  const src = new PassThrough();
  src.pipe(out);
  const got: Buffer[] = [];
  out.on('data', (c: Buffer) => got.push(c));
  const ended = new Promise((resolve) => out.on('end', resolve));
  for (const c of chunks) src.write(Buffer.from(c, 'latin1'));
  src.end();
  setTimeout(() => out.finish(lines), 20); // the messages come after git has finished
  await ended;
  return Buffer.concat(got).toString('latin1');
}

describe('ReceivePackOutput', () => {
  const report = pkt(1, '000eunpack ok\n0019ok refs/heads/main\n0000');
  const progress = pkt(2, 'Resolving deltas\n');

  it('writes the messages as band-2 packets before the final flush, whatever the chunk boundaries', async () => {
    const whole = `${progress}${report}0000`;
    const expected = `${progress}${report}${progressPackets(['', 'Pipeline #1']).toString('latin1')}0000`;
    expect(await run([whole], true, ['', 'Pipeline #1'])).toBe(expected);
    const bytes = [...whole].map((c) => c); // one byte per chunk
    expect(await run(bytes, true, ['', 'Pipeline #1'])).toBe(expected);
  });

  it('passes everything through untouched without a side band or without messages', async () => {
    const plain = '000eunpack ok\n0019ok refs/heads/main\n0000';
    expect(await run([plain], false, ['ignored'])).toBe(plain);
    expect(await run([`${report}0000`], true, [])).toBe(`${report}0000`);
  });

  it('splits long messages into packets that fit side-band-64k', () => {
    const packets = progressPackets(['x'.repeat(70_000)]);
    const first = Number.parseInt(packets.subarray(0, 4).toString('latin1'), 16);
    expect(first).toBeLessThanOrEqual(65520);
    expect(packets[4]).toBe(2);
  });
});
