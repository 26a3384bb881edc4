import { describe, expect, it } from 'vitest';
import { AppError } from '../../util/errors.js';
import { completeUtf8Length, parseRange } from './trace.js';

describe('completeUtf8Length', () => {
  it('leaves out a trailing partial character', () => {
    const text = Buffer.from('aé€😀');
    expect(completeUtf8Length(text)).toBe(text.length);
    for (let cut = 1; cut < text.length; cut++) {
      const n = completeUtf8Length(text.subarray(0, cut));
      expect(() => new TextDecoder('utf-8', { fatal: true }).decode(text.subarray(0, n))).not.toThrow();
      expect(cut - n).toBeLessThan(4);
    }
    expect(completeUtf8Length(Buffer.from([0x61, 0xf0, 0x9f]))).toBe(1);
  });
});

describe('parseRange', () => {
  it('parses the three forms against the size', () => {
    expect(parseRange('bytes=2-5', 10)).toEqual({ start: 2, end: 6 });
    expect(parseRange('bytes=4-', 10)).toEqual({ start: 4, end: 10 });
    expect(parseRange('bytes=-3', 10)).toEqual({ start: 7, end: 10 });
    expect(parseRange('bytes=-30', 10)).toEqual({ start: 0, end: 10 });
    expect(parseRange('bytes=8-100', 10)).toEqual({ start: 8, end: 10 });
    expect(parseRange(undefined, 10)).toBeNull();
    expect(parseRange('items=1-2', 10)).toBeNull();
    expect(parseRange('bytes=0-', 0)).toEqual({ start: 0, end: 0 });
  });

  it('refuses ranges outside the trace', () => {
    expect(() => parseRange('bytes=10-', 10)).toThrow(AppError);
    expect(() => parseRange('bytes=5-2', 10)).toThrow(/before it starts/);
  });
});
