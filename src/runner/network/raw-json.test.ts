// The raw JSON parser: strings as JSON.parse reads them (with and without escapes), numbers kept
// as their text, keys in order with duplicates, and the errors Go's decoder gives for bad input.
import { describe, expect, it } from 'vitest';
import { JsonNumber, JsonObject, JsonSyntaxError, parseRawJson } from './raw-json.js';

describe('parseRawJson', () => {
  it('reads strings as JSON.parse does, escaped or not', () => {
    const strings = ['', 'plain', 'é ü 漢字 😀', 'tab\there', 'quote " and backslash \\', 'line\nbreak', '\u0000\u001f', 'slash / \u2028', '\\"', 'ends with \\'];
    for (const s of strings) expect(parseRawJson(JSON.stringify(s))).toBe(s);
    expect(parseRawJson('"\\u00e9\\ud83d\\ude00\\/"')).toBe('é😀/');
  });

  it('keeps numbers as text and keys in order, duplicates included', () => {
    const v = parseRawJson('{"a": 1.0, "b": [1e3, -0, 12345678901234567890], "a": "x"}') as JsonObject;
    expect(v).toBeInstanceOf(JsonObject);
    expect(v.entries.map(([k]) => k)).toEqual(['a', 'b', 'a']);
    expect((v.entries[0][1] as JsonNumber).raw).toBe('1.0');
    expect((v.entries[1][1] as JsonNumber[]).map((n) => n.raw)).toEqual(['1e3', '-0', '12345678901234567890']);
    expect(v.entries[2][1]).toBe('x');
    expect(parseRawJson('[true, false, null]')).toEqual([true, false, null]);
  });

  it('refuses what is not JSON: raw control characters, bad escapes, unterminated strings, trailing text', () => {
    for (const bad of ['"a\nb"', '"\\x41"', '"\\u12"', '"open', '{"a":1} x', '{"a" 1}', '[1,]', '01', "'s'"]) {
      expect(() => parseRawJson(bad), bad).toThrow(JsonSyntaxError);
    }
  });
});
