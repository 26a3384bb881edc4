import { describe, expect, it } from 'vitest';
import { Masker } from './masker.js';
import { JobTrace } from './job-trace.js';
import { crc32 } from 'node:zlib';

const run = (m: Masker, parts: string[]) => parts.map((p) => m.write(Buffer.from(p)).toString()).join('') + m.end().toString();

describe('Masker', () => {
  it('masks exact values, also when split across writes', () => {
    const m = new Masker({ secrets: ['s3cr3t-value', 'glcbt-jobtoken'] });
    expect(run(m, ['pass=s3c', 'r3t-va', 'lue and glcbt-job', 'token!'])).toBe('pass=[MASKED] and [MASKED]!');
  });

  it('keeps the token prefix and masks the rest of the word', () => {
    const m = new Masker({ prefixes: ['glpat-'] });
    expect(run(m, ['use glp', 'at-abcDEF_12', '3-x now'])).toBe('use glpat-[MASKED] now');
    expect(run(new Masker({ prefixes: ['glpat-'] }), ['end glpat-xyz'])).toBe('end glpat-[MASKED]');
  });

  it('releases a held tail that turns out not to be a secret', () => {
    const m = new Masker({ secrets: ['abcdef'] });
    expect(m.write(Buffer.from('xx abc')).toString()).toBe('xx ');
    expect(m.write(Buffer.from('xyz\n')).toString()).toBe('abcxyz\n');
  });

  it('masks the longer of two overlapping secrets whole', () => {
    expect(run(new Masker({ secrets: ['pass', 'password123'] }), ['my password123 pass'])).toBe('my [MASKED] [MASKED]');
  });
});

describe('JobTrace', () => {
  it('keeps a CRC32 and byte size of the masked log and honours the output limit', () => {
    const t = new JobTrace({ secrets: ['hunter2hunter2'], limitBytes: 64 });
    t.write('login hunter2hunter2\n');
    t.end();
    expect(t.toString()).toBe('login [MASKED]\n');
    expect(t.checksum).toBe(`crc32:${crc32(Buffer.from('login [MASKED]\n')).toString(16).padStart(8, '0')}`);
    const big = new JobTrace({ limitBytes: 10 });
    big.write('0123456789abcdef');
    big.write('QQQQ');
    expect(big.toString()).toMatch(/^0123456789\n.*exceeded limit of 10 bytes/s);
    expect(big.toString()).not.toContain('QQQQ');
  });
});

describe('Masker, split anywhere', () => {
  it('masks the same whatever the chunk boundaries (secrets sharing heads, prefixes)', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const secrets = ['abcabd', 'abx', 'zz9zz9zz', 'bca'];
    const alphabet = 'abcdxz9 glpat-\n';
    for (let round = 0; round < 300; round++) {
      const text = Array.from({ length: 40 + rnd(40) }, () => alphabet[rnd(alphabet.length)]).join('');
      const whole = new Masker({ secrets, prefixes: ['glpat-'] });
      const expected = Buffer.concat([whole.write(Buffer.from(text)), whole.end()]).toString();
      const split = new Masker({ secrets, prefixes: ['glpat-'] });
      const parts: Buffer[] = [];
      for (let i = 0; i < text.length; ) {
        const n = 1 + rnd(6);
        parts.push(split.write(Buffer.from(text.slice(i, i + n))));
        i += n;
      }
      parts.push(split.end());
      expect(Buffer.concat(parts).toString()).toBe(expected);
      expect(expected).not.toMatch(/abcabd|zz9zz9zz|glpat-[a-z0-9]/);
    }
  });
});
