// ANSI escape sequences → styled spans. Only SGR (`ESC [ … m`) changes the style; every other
// escape (erase line, cursor moves, OSC titles) is dropped. The style carries from one line to the
// next, as in a terminal, so a line is parsed from the style its previous line ended with.

export interface Style {
  /** 0-15 for the 16 named colours, or a CSS colour for 256-colour / true-colour codes. */
  fg: number | string | null;
  bg: number | string | null;
  bold: boolean;
  faint: boolean;
  italic: boolean;
  underline: boolean;
}

export interface Span {
  text: string;
  style: Style;
}

export const PLAIN: Style = Object.freeze({ fg: null, bg: null, bold: false, faint: false, italic: false, underline: false });

// CSI sequences, OSC sequences (ended by BEL or ESC \), and two-character escapes.
const ESCAPE = /\x1b\[([0-9;:?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?/g;

function color256(n: number): number | string {
  if (n < 16) return n;
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `rgb(${v},${v},${v})`;
  }
  const i = n - 16;
  const level = (c: number) => (c === 0 ? 0 : 55 + c * 40);
  return `rgb(${level(Math.floor(i / 36))},${level(Math.floor(i / 6) % 6)},${level(i % 6)})`;
}

/** Applies the parameters of one SGR sequence to `style`, returning the new style. */
export function applySgr(style: Style, params: string): Style {
  const codes = params === '' ? [0] : params.split(/[;:]/).map((p) => (p === '' ? 0 : Number(p)));
  let s: Style = { ...style };
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c === 0) s = { ...PLAIN };
    else if (c === 1) s.bold = true;
    else if (c === 2) s.faint = true;
    else if (c === 3) s.italic = true;
    else if (c === 4) s.underline = true;
    else if (c === 22) s.bold = s.faint = false;
    else if (c === 23) s.italic = false;
    else if (c === 24) s.underline = false;
    else if (c >= 30 && c <= 37) s.fg = c - 30;
    else if (c >= 90 && c <= 97) s.fg = c - 90 + 8;
    else if (c === 39) s.fg = null;
    else if (c >= 40 && c <= 47) s.bg = c - 40;
    else if (c >= 100 && c <= 107) s.bg = c - 100 + 8;
    else if (c === 49) s.bg = null;
    else if (c === 38 || c === 48) {
      let value: number | string | null = null;
      if (codes[i + 1] === 5 && i + 2 < codes.length) {
        value = color256(codes[i + 2] & 255);
        i += 2;
      } else if (codes[i + 1] === 2 && i + 4 < codes.length) {
        value = `rgb(${codes[i + 2] & 255},${codes[i + 3] & 255},${codes[i + 4] & 255})`;
        i += 4;
      }
      if (value !== null) {
        if (c === 38) s.fg = value;
        else s.bg = value;
      }
    }
  }
  return s;
}

const sameStyle = (a: Style, b: Style) =>
  a.fg === b.fg && a.bg === b.bg && a.bold === b.bold && a.faint === b.faint && a.italic === b.italic && a.underline === b.underline;

/** Splits `text` into spans of one style each, starting from `start`; also returns the end style. */
export function parseAnsi(text: string, start: Style = PLAIN): { spans: Span[]; end: Style } {
  const spans: Span[] = [];
  let style = start;
  let last = 0;
  const push = (chunk: string) => {
    if (!chunk) return;
    const prev = spans[spans.length - 1];
    if (prev && sameStyle(prev.style, style)) prev.text += chunk;
    else spans.push({ text: chunk, style });
  };
  if (text.indexOf('\x1b') < 0) {
    push(text);
    return { spans, end: style };
  }
  ESCAPE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = ESCAPE.exec(text)) !== null) {
    push(text.slice(last, m.index));
    last = ESCAPE.lastIndex;
    if (m[2] === 'm') style = applySgr(style, m[1] ?? '');
    if (m[0].length === 0) ESCAPE.lastIndex++;
  }
  push(text.slice(last));
  return { spans, end: style };
}

/** The style after `text` (no spans built): cheap for lines that are not on screen. */
export function endStyle(text: string, start: Style = PLAIN): Style {
  if (text.indexOf('\x1b') < 0) return start;
  let style = start;
  ESCAPE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = ESCAPE.exec(text)) !== null) {
    if (m[2] === 'm') style = applySgr(style, m[1] ?? '');
    if (m[0].length === 0) ESCAPE.lastIndex++;
  }
  return style;
}

/** `text` without any escape sequence. */
export function stripAnsi(text: string): string {
  return text.indexOf('\x1b') < 0 ? text : text.replace(ESCAPE, '');
}

/** CSS class names and inline style for a span (classes for the 16 colours, inline otherwise). */
export function styleAttrs(style: Style): { className: string; css: string } {
  const cls: string[] = [];
  let css = '';
  if (typeof style.fg === 'number') cls.push(`f${style.fg}`);
  else if (style.fg) css += `color:${style.fg};`;
  if (typeof style.bg === 'number') cls.push(`b${style.bg}`);
  else if (style.bg) css += `background:${style.bg};`;
  if (style.bold) cls.push('tb');
  if (style.faint) cls.push('tf');
  if (style.italic) cls.push('ti');
  if (style.underline) cls.push('tu');
  return { className: cls.join(' '), css };
}
