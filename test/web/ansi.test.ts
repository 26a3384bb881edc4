// Unit tests of the UI's ANSI parser (web/src/log/ansi.ts).
import { describe, expect, it } from 'vitest';
import { applySgr, endStyle, parseAnsi, PLAIN, stripAnsi, styleAttrs } from '../../web/src/log/ansi.js';

describe('parseAnsi', () => {
  it('splits text into styled spans as gitlab-runner colours it', () => {
    const { spans, end } = parseAnsi('\x1b[32;1m$ echo hi\x1b[0;m done');
    expect(spans.map((s) => s.text)).toEqual(['$ echo hi', ' done']);
    expect(spans[0].style).toMatchObject({ fg: 2, bold: true });
    expect(spans[1].style).toEqual(PLAIN);
    expect(end).toEqual(PLAIN);
  });

  it('carries the style across lines', () => {
    const first = parseAnsi('\x1b[31mred starts');
    const second = parseAnsi('still red\x1b[0m plain', first.end);
    expect(second.spans[0]).toMatchObject({ text: 'still red', style: { fg: 1 } });
    expect(second.spans[1].style).toEqual(PLAIN);
  });

  it('understands bright, 256 and true colours and background', () => {
    expect(applySgr(PLAIN, '93').fg).toBe(11);
    expect(applySgr(PLAIN, '38;5;196').fg).toBe('rgb(255,0,0)');
    expect(applySgr(PLAIN, '38;5;244').fg).toBe('rgb(128,128,128)');
    expect(applySgr(PLAIN, '48;2;1;2;3').bg).toBe('rgb(1,2,3)');
    expect(applySgr(PLAIN, '1;22').bold).toBe(false);
    expect(applySgr(applySgr(PLAIN, '4;44'), '24;49')).toEqual(PLAIN);
  });

  it('drops escapes that are not colours (erase line, cursor, OSC titles)', () => {
    const { spans } = parseAnsi('a\x1b[0Kb\x1b[2Ac\x1b]0;title\x07d');
    expect(spans.map((s) => s.text).join('')).toBe('abcd');
    expect(stripAnsi('\x1b[36;1mheader\x1b[0;m\x1b[0K')).toBe('header');
  });

  it('computes the end style without spans', () => {
    expect(endStyle('\x1b[33mwarn')).toMatchObject({ fg: 3 });
    expect(endStyle('plain')).toBe(PLAIN);
  });

  it('maps styles to classes and inline css', () => {
    expect(styleAttrs({ ...PLAIN, fg: 1, bold: true })).toEqual({ className: 'f1 tb', css: '' });
    expect(styleAttrs({ ...PLAIN, fg: 'rgb(1,2,3)' }).css).toBe('color:rgb(1,2,3);');
  });
});
