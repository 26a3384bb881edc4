// A fast reader for the plain YAML most CI files are written in: block maps and sequences,
// one-line plain and quoted scalars, one-line flow collections, comments. It builds the same
// values and positions as yaml-load.ts builds from the `yaml` package (scalars are resolved with
// that package's own YAML 1.1 tags), in a fraction of the time. Anything else - anchors,
// aliases, tags, `<<`, block scalars, multi-line scalars or flow collections, several documents,
// tabs, CR, anything unusual or invalid - gives up (`undefined`), and the `yaml` package reads
// the file: diagnostics always come from there.
import { Document, isScalar } from 'yaml';
import { setLoc, type NodeLoc, type SourceFile } from './source-map.js';
import { setKey, type Budget, type Obj } from './values.js';
import { isFloatText, psychScalar, YAML_OPTIONS } from './yaml-scalar.js';
import { collectionSize, MAX_YAML_DEPTH, MAX_YAML_SIZE_BYTES, MAYBE_IMMEDIATE, PRESCAN_FROM, stringSize } from './yaml-size.js';

/** Thrown to give up; caught in fastLoad only. */
const GIVE_UP = new Error('not for the fast reader');

// Characters: codes used below.
const NL = 10;
const SP = 32;
const HASH = 35;
const COLON = 58;
const DASH = 45;
const SQ = 39;
const DQ = 34;
const COMMA = 44;
const LBRACKET = 91;
const RBRACKET = 93;
const LBRACE = 123;
const RBRACE = 125;

/** Control characters, tabs, CR, the C1 range, BOM and the Unicode line separators: the `yaml` package decides. */
const UNUSUAL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]/;

// Searches run by the regular expression engine (native code, fast even before the JIT warms up).
/** In a block plain scalar: what ends it (a comment, the line end) or makes it a key (`: `). */
const BLOCK_PLAIN_STOP = /:(?=[ \n]|$)| (?=#)|\n/g;
/** In a flow plain scalar: a flow indicator, a line end, a comment or a `:` indicator. */
const FLOW_PLAIN_STOP = /[,[\]{}\n]|:(?=[ \n,[\]{}]|$)| (?=#)/g;
const SINGLE_QUOTED_STOP = /['\n]/g;
const DOUBLE_QUOTED_STOP = /[\\"\n]/g;

/** Offset of the first match of `re` (global, every match one character long) from `p`, or -1. */
function search(re: RegExp, t: string, p: number): number {
  re.lastIndex = p;
  return re.test(t) ? re.lastIndex - 1 : -1; // test() builds no match object
}

/** A plain scalar may not start with an indicator (`-` only followed by a safe character). */
function isIndicator(c: number): boolean {
  switch (c) {
    case 45: // -
    case 63: // ?
    case 58: // :
    case 44: // ,
    case 91: // [
    case 93: // ]
    case 123: // {
    case 125: // }
    case 35: // #
    case 38: // &
    case 42: // *
    case 33: // !
    case 124: // |
    case 62: // >
    case 39: // '
    case 34: // "
    case 37: // %
    case 64: // @
    case 96: // `
      return true;
    default:
      return false;
  }
}

function isFlowIndicator(c: number): boolean {
  return c === COMMA || c === LBRACKET || c === RBRACKET || c === LBRACE || c === RBRACE;
}

const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
};

/** The `yaml` package's tags for the options yaml-load.ts parses with. */
const schemaDoc = new Document(undefined, YAML_OPTIONS);
interface ScalarTagLike {
  default?: boolean | 'key';
  test?: RegExp;
  resolve: (value: string, onError: (message: string) => void, options: unknown) => unknown;
}
const scalarTags = (schemaDoc.schema.tags as unknown as ScalarTagLike[]).filter((t) => t.test);
const stringTag = (schemaDoc.schema as unknown as Record<symbol, ScalarTagLike>)[Symbol.for('yaml.scalar')];

/**
 * One expression matching what any of the tags' tests matches (values; keys also try the `key`
 * default tags): most scalars are plain strings, told apart with one match instead of one per
 * tag. Only built when every test is a plain (flagless) expression, so the union is exact.
 */
function unionOf(tags: ScalarTagLike[]): RegExp | null {
  if (tags.some((t) => t.test!.flags !== '')) return null;
  return new RegExp(tags.map((t) => `(?:${t.test!.source})`).join('|'));
}
const valueTests = unionOf(scalarTags.filter((t) => t.default === true));
const keyTests = unionOf(scalarTags.filter((t) => t.default === true || t.default === 'key'));

interface Plain {
  /** The loaded value (psychScalar). */
  value: unknown;
  /** Written as a float with an integral value. */
  float: boolean;
  /** What yaml-size.ts prescan counts for it. */
  lower: number;
}

/** Resolved plain scalars by text (values are primitives: safe to share). */
const plainCache = new Map<string, Plain>();
const keyCache = new Map<string, Plain>();
const CACHE_MAX = 20_000;

function resolvePlain(src: string, atKey: boolean): Plain {
  const cache = atKey ? keyCache : plainCache;
  const known = cache.get(src);
  if (known) return known;
  const union = atKey ? keyTests : valueTests;
  const tag = union && !union.test(src) ? stringTag : (scalarTags.find((t) => (t.default === true || (atKey && t.default === 'key')) && t.test!.test(src)) ?? stringTag);
  let failed = false;
  let res: unknown;
  try {
    res = tag.resolve(src, () => (failed = true), schemaDoc.options);
  } catch {
    failed = true;
  }
  if (failed) throw GIVE_UP;
  const raw = isScalar(res) ? res.value : res;
  const plain = { value: psychScalar(raw, src, true), float: isFloatText(raw, src), lower: MAYBE_IMMEDIATE.test(src) ? 0 : stringSize(src.length) };
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(src, plain);
  return plain;
}

class FastReader {
  /** Offset after the last scalar or flow collection read. */
  private end = 0;
  /** Start of the line the next content is on, and the column of that content (-1: end of text). */
  private lineStart = 0;
  private col = -1;
  /** Nodes built (what the `yaml` path spends from the budget), estimated size, depth. */
  nodes = 0;
  private size = 0;
  /** yaml-size.ts prescan's lower bound of the size, for texts it scans. */
  lower = 0;
  private depth = 0;

  constructor(
    private readonly t: string,
    private readonly file: SourceFile,
  ) {}

  read(): unknown {
    this.nextContent(this.documentStart());
    if (this.col < 0) throw GIVE_UP; // an empty document: the `yaml` path
    const value = this.block(this.lineStart + this.col, this.col);
    if (this.col >= 0) throw GIVE_UP; // content left over at a lower indentation
    if (this.size > MAX_YAML_SIZE_BYTES) throw GIVE_UP;
    if (this.t.length >= PRESCAN_FROM && this.lower > MAX_YAML_SIZE_BYTES) throw GIVE_UP;
    return value;
  }

  /**
   * Skips blank and comment lines and one `---` line (spaces or a comment after it) that starts
   * the only document; returns the offset of the line after it (0 when there is none).
   */
  private documentStart(): number {
    const t = this.t;
    let p = 0;
    while (p < t.length) {
      let q = p;
      while (q < t.length && t.charCodeAt(q) === SP) q++;
      const c = q < t.length ? t.charCodeAt(q) : NL;
      if (c === NL || c === HASH) {
        const nl = t.indexOf('\n', q);
        if (nl < 0) return 0;
        p = nl + 1;
        continue;
      }
      if (q !== p || !t.startsWith('---', p)) return 0;
      this.endLine(p + 3); // gives up on anything after the marker but a comment
      return this.col < 0 ? t.length : this.lineStart;
    }
    return 0;
  }

  /** From line start `p`, skips blank and comment lines; sets lineStart / col of the next content. */
  private nextContent(p: number): void {
    const t = this.t;
    const n = t.length;
    while (p < n) {
      let q = p;
      while (q < n && t.charCodeAt(q) === SP) q++;
      const c = q < n ? t.charCodeAt(q) : NL;
      if (c === NL || c === HASH) {
        const nl = t.indexOf('\n', q);
        if (nl < 0) break;
        p = nl + 1;
        continue;
      }
      if (q === p && (c === DASH || c === 46) && (t.startsWith('---', p) || t.startsWith('...', p))) throw GIVE_UP; // document markers
      this.lineStart = p;
      this.col = q - p;
      return;
    }
    this.lineStart = n;
    this.col = -1;
  }

  /** After a value ending at `p`: only spaces and a comment to the end of the line; moves to the next content. */
  private endLine(p: number): void {
    const t = this.t;
    const n = t.length;
    const from = p;
    while (p < n && t.charCodeAt(p) === SP) p++;
    if (p >= n) return this.nextContent(n);
    const c = t.charCodeAt(p);
    if (c === HASH) {
      if (p === from) throw GIVE_UP; // a comment needs a space before it
      const nl = t.indexOf('\n', p);
      return this.nextContent(nl < 0 ? n : nl + 1);
    }
    if (c !== NL) throw GIVE_UP;
    this.nextContent(p + 1);
  }

  private skipSpaces(p: number): number {
    const t = this.t;
    while (p < t.length && t.charCodeAt(p) === SP) p++;
    return p;
  }

  private enter(): void {
    this.nodes++;
    if (++this.depth > MAX_YAML_DEPTH) throw GIVE_UP;
    // both sizes only grow: past a limit, give up at once (a huge file is not built first)
    if (this.size > MAX_YAML_SIZE_BYTES || (this.lower > MAX_YAML_SIZE_BYTES && this.t.length >= PRESCAN_FROM)) throw GIVE_UP;
  }

  private isSeqStart(p: number): boolean {
    if (this.t.charCodeAt(p) !== DASH) return false;
    const c = p + 1 < this.t.length ? this.t.charCodeAt(p + 1) : NL;
    return c === SP || c === NL;
  }

  /** A block collection starting at `p` (column `col`). */
  private block(p: number, col: number): unknown {
    if (this.isSeqStart(p)) return this.seq(p, col);
    if (this.keyEnd(p) >= 0) return this.map(p, col);
    throw GIVE_UP;
  }

  /**
   * If a block mapping key starts at `p` (a one-line plain or quoted scalar followed by `: ` or
   * `:` at the end of the line), the offset of its `:`; else -1.
   */
  private keyEnd(p: number): number {
    const t = this.t;
    const n = t.length;
    const c = t.charCodeAt(p);
    if (c === SQ || c === DQ) {
      const close = this.quotedEnd(p);
      if (close < 0 || t.charCodeAt(close) !== COLON) return -1;
      const after = close + 1 < n ? t.charCodeAt(close + 1) : NL;
      return after === SP || after === NL ? close : -1;
    }
    if (isIndicator(c) || c === SP || c === NL) return -1;
    const q = search(BLOCK_PLAIN_STOP, t, p);
    if (q < 0 || t.charCodeAt(q) !== COLON) return -1; // the line (or a comment) ends first
    if (q - p > 1000) throw GIVE_UP; // implicit keys are limited to 1024 characters
    return q;
  }

  /** Offset after the closing quote of the one-line quoted scalar at `p`, or -1. */
  private quotedEnd(p: number): number {
    const t = this.t;
    if (t.charCodeAt(p) === SQ) {
      for (let q = search(SINGLE_QUOTED_STOP, t, p + 1); q >= 0; q = search(SINGLE_QUOTED_STOP, t, q + 2)) {
        if (t.charCodeAt(q) === NL) return -1;
        if (t.charCodeAt(q + 1) !== SQ) return q + 1;
      }
      return -1;
    }
    for (let q = search(DOUBLE_QUOTED_STOP, t, p + 1); q >= 0; q = search(DOUBLE_QUOTED_STOP, t, q + 2)) {
      const d = t.charCodeAt(q);
      if (d === NL) return -1;
      if (d === DQ) return q + 1;
      // a backslash: the next character is escaped (an escaped line break gives up in quoted())
    }
    return -1;
  }

  private map(p: number, col: number): Obj {
    this.enter();
    const t = this.t;
    const out: Obj = {};
    const keys = new Map<string, number>();
    const vals = new Map<string, number>();
    const loc: NodeLoc = { file: this.file, at: p, keys, vals };
    let count = 0;
    for (;;) {
      const colon = this.keyEnd(p);
      if (colon < 0) throw GIVE_UP;
      const key = this.key(p, colon);
      count++;
      const r = this.skipSpaces(colon + 1);
      const c = r < t.length ? t.charCodeAt(r) : NL;
      let value: unknown;
      let at: number;
      let float = false;
      if (c === NL || c === HASH) {
        if (c === HASH && r === colon + 1) throw GIVE_UP;
        this.endLine(r);
        if (this.col > col) {
          at = this.lineStart + this.col;
          value = this.block(at, this.col);
        } else if (this.col === col && this.isSeqStart(this.lineStart + col)) {
          at = this.lineStart + col;
          value = this.seq(at, col);
        } else {
          this.nodes++; // the empty (null) scalar
          at = r;
          value = null;
        }
      } else {
        at = r;
        value = this.inline(r);
        float = this.lastFloat;
        this.endLine(this.end);
        if (this.col > col) throw GIVE_UP; // a multi-line scalar or a bad indentation
      }
      setKey(out, key, value);
      keys.set(key, p);
      vals.set(key, at);
      if (float) (loc.floats ??= new Set()).add(key);
      else loc.floats?.delete(key);
      if (this.col !== col) {
        if (this.col > col) throw GIVE_UP;
        break;
      }
      p = this.lineStart + col;
      if (this.isSeqStart(p)) throw GIVE_UP;
    }
    this.size += collectionSize(count, true);
    this.depth--;
    setLoc(out, loc);
    return out;
  }

  private seq(p: number, col: number): unknown[] {
    this.enter();
    const t = this.t;
    const start = p;
    const items: unknown[] = [];
    const positions: number[] = [];
    for (;;) {
      const r = this.skipSpaces(p + 1);
      const c = r < t.length ? t.charCodeAt(r) : NL;
      let value: unknown;
      if (c === NL || c === HASH) {
        if (c === HASH && r === p + 1) throw GIVE_UP;
        this.endLine(r);
        if (this.col > col) {
          positions.push(this.lineStart + this.col);
          value = this.block(this.lineStart + this.col, this.col);
        } else {
          this.nodes++;
          positions.push(r);
          value = null;
        }
      } else if (this.isSeqStart(r)) throw GIVE_UP; // `- - a`
      else if (this.keyEnd(r) >= 0) {
        positions.push(r);
        value = this.map(r, r - this.lineStart);
      } else {
        positions.push(r);
        value = this.inline(r);
        this.endLine(this.end);
        if (this.col > col) throw GIVE_UP;
      }
      items.push(value);
      if (this.col !== col) {
        if (this.col > col) throw GIVE_UP;
        break;
      }
      p = this.lineStart + col;
      if (!this.isSeqStart(p)) break; // a key of the map this sequence is the value of
    }
    this.size += collectionSize(items.length, false);
    this.depth--;
    setLoc(items, { file: this.file, at: start, items: positions });
    return items;
  }

  // set by inline(): was the scalar read a float with an integral value
  private lastFloat = false;

  /** A key (plain or quoted) from `p` to its `:` at `colon`. */
  private key(p: number, colon: number): string {
    this.nodes++;
    const t = this.t;
    const c = t.charCodeAt(p);
    let value: unknown;
    if (c === SQ || c === DQ) {
      value = this.quoted(p);
      this.lower += stringSize(Math.floor((this.end - p - 2) / 4));
    } else {
      let e = colon;
      while (t.charCodeAt(e - 1) === SP) e--;
      const src = t.slice(p, e);
      if (src === '<<') throw GIVE_UP; // a merge key: the `yaml` path
      const plain = resolvePlain(src, true);
      value = plain.value;
      this.lower += plain.lower;
    }
    if (typeof value === 'string') this.size += stringSize(value.length);
    return value === null ? '' : String(value);
  }

  /** A scalar or flow collection on one line (block context), ending at this.end. */
  private inline(p: number): unknown {
    const t = this.t;
    const c = t.charCodeAt(p);
    this.lastFloat = false;
    if (c === LBRACKET) return this.flowSeq(p);
    if (c === LBRACE) return this.flowMap(p);
    if (c === SQ || c === DQ) {
      this.nodes++;
      const v = this.quoted(p);
      this.lower += stringSize(Math.floor((this.end - p - 2) / 4));
      this.size += stringSize(v.length);
      return v;
    }
    if (isIndicator(c)) {
      if (c !== DASH) throw GIVE_UP;
      const d = p + 1 < t.length ? t.charCodeAt(p + 1) : NL;
      if (d === SP || d === NL) throw GIVE_UP;
    }
    let q = search(BLOCK_PLAIN_STOP, t, p);
    if (q < 0) q = t.length;
    else if (t.charCodeAt(q) === COLON) throw GIVE_UP; // a mapping in a compact place
    let e = q;
    while (t.charCodeAt(e - 1) === SP) e--;
    this.end = e;
    return this.plain(t.slice(p, e));
  }

  private plain(src: string): unknown {
    this.nodes++;
    const { value, float, lower } = resolvePlain(src, false);
    this.lastFloat = float;
    if (typeof value === 'string') this.size += stringSize(value.length);
    this.lower += lower;
    return value;
  }

  /** The one-line quoted scalar at `p`; this.end after its closing quote. */
  private quoted(p: number): string {
    const t = this.t;
    const close = this.quotedEnd(p);
    if (close < 0) throw GIVE_UP;
    this.end = close;
    if (t.charCodeAt(p) === SQ) return t.slice(p + 1, close - 1).replaceAll("''", "'");
    let out = '';
    let from = p + 1;
    for (let q = t.indexOf('\\', from); q >= 0 && q < close - 1; q = t.indexOf('\\', from)) {
      out += t.slice(from, q);
      const e = t[q + 1];
      const simple = ESCAPES[e];
      if (simple !== undefined) {
        out += simple;
        from = q + 2;
        continue;
      }
      const len = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
      const hex = t.slice(q + 2, q + 2 + len);
      if (len === 0 || !/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) throw GIVE_UP;
      const code = parseInt(hex, 16);
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw GIVE_UP;
      out += String.fromCodePoint(code);
      from = q + 2 + len;
    }
    return out + t.slice(from, close - 1);
  }

  private flowSeq(p: number): unknown[] {
    this.enter();
    const t = this.t;
    const items: unknown[] = [];
    const positions: number[] = [];
    let q = this.skipSpaces(p + 1);
    if (t.charCodeAt(q) !== RBRACKET) {
      for (;;) {
        positions.push(q);
        items.push(this.flowValue(q));
        q = this.skipSpaces(this.end);
        const c = t.charCodeAt(q);
        if (c === COMMA) {
          q = this.skipSpaces(q + 1);
          if (t.charCodeAt(q) === RBRACKET) throw GIVE_UP; // a trailing comma
          continue;
        }
        if (c === RBRACKET) break;
        throw GIVE_UP;
      }
    }
    this.end = q + 1;
    this.lastFloat = false;
    this.lower += 40;
    this.size += collectionSize(items.length, false);
    this.depth--;
    setLoc(items, { file: this.file, at: p, items: positions });
    return items;
  }

  private flowMap(p: number): Obj {
    this.enter();
    const t = this.t;
    const out: Obj = {};
    const keys = new Map<string, number>();
    const vals = new Map<string, number>();
    const loc: NodeLoc = { file: this.file, at: p, keys, vals };
    let count = 0;
    let q = this.skipSpaces(p + 1);
    if (t.charCodeAt(q) !== RBRACE) {
      for (;;) {
        const colon = this.flowKeyEnd(q);
        const key = this.key(q, colon);
        count++;
        const v = this.skipSpaces(colon + 1);
        const value = this.flowValue(v);
        setKey(out, key, value);
        keys.set(key, q);
        vals.set(key, v);
        if (this.lastFloat) (loc.floats ??= new Set()).add(key);
        else loc.floats?.delete(key);
        q = this.skipSpaces(this.end);
        const c = t.charCodeAt(q);
        if (c === COMMA) {
          q = this.skipSpaces(q + 1);
          if (t.charCodeAt(q) === RBRACE) throw GIVE_UP;
          continue;
        }
        if (c === RBRACE) break;
        throw GIVE_UP;
      }
    }
    this.end = q + 1;
    this.lastFloat = false;
    this.lower += 40;
    this.size += collectionSize(count, true);
    this.depth--;
    setLoc(out, loc);
    return out;
  }

  /** The `:` after a flow mapping key at `p` (followed by a space), else give up. */
  private flowKeyEnd(p: number): number {
    const t = this.t;
    const c = t.charCodeAt(p);
    let q: number;
    if (c === SQ || c === DQ) {
      q = this.quotedEnd(p);
      if (q < 0) throw GIVE_UP;
    } else {
      if (isIndicator(c) || c === SP || c === NL) throw GIVE_UP;
      q = search(FLOW_PLAIN_STOP, t, p);
      if (q < 0 || t.charCodeAt(q) !== COLON) throw GIVE_UP;
    }
    if (t.charCodeAt(q) !== COLON || t.charCodeAt(q + 1) !== SP) throw GIVE_UP;
    return q;
  }

  /** A value inside a flow collection at `p`; this.end after it. */
  private flowValue(p: number): unknown {
    const t = this.t;
    const n = t.length;
    const c = p < n ? t.charCodeAt(p) : NL;
    this.lastFloat = false;
    if (c === LBRACKET) return this.flowSeq(p);
    if (c === LBRACE) return this.flowMap(p);
    if (c === SQ || c === DQ) {
      this.nodes++;
      const v = this.quoted(p);
      const after = this.skipSpaces(this.end);
      if (t.charCodeAt(after) === COLON) throw GIVE_UP; // a pair in a flow sequence
      this.lower += stringSize(Math.floor((this.end - p - 2) / 4));
      this.size += stringSize(v.length);
      return v;
    }
    if (isIndicator(c) || c === SP || c === NL) {
      if (c !== DASH) throw GIVE_UP;
      const d = p + 1 < n ? t.charCodeAt(p + 1) : NL;
      if (d === SP || d === NL || isFlowIndicator(d)) throw GIVE_UP;
    }
    const q = search(FLOW_PLAIN_STOP, t, p);
    // a line end, a comment, or a `:` (a pair, or a map value) gives up; so does the end of the text
    if (q < 0 || !isFlowIndicator(t.charCodeAt(q))) throw GIVE_UP;
    let e = q;
    while (t.charCodeAt(e - 1) === SP) e--;
    this.end = e;
    return this.plain(t.slice(p, e));
  }
}

export interface FastResult {
  value: unknown;
  /** Nodes built: what the `yaml` path spends from the budget. */
  nodes: number;
  /** yaml-size.ts prescan's lower bound of the parsed size. */
  lower: number;
}

/** The single document of `text` read by hand, or undefined when it is not for the fast reader. */
export function fastRead(text: string, file: SourceFile): FastResult | undefined {
  if (UNUSUAL.test(text)) return undefined;
  const reader = new FastReader(text, file);
  try {
    const value = reader.read();
    return { value, nodes: reader.nodes, lower: reader.lower };
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    throw e;
  }
}

/**
 * The single document of `text` as yaml-load.ts would load it, or undefined when the text is
 * not for the fast reader (the caller then parses it with the `yaml` package). Spends from
 * `budget` what the `yaml` path would; gives up before the budget or a size limit runs out.
 */
export function fastLoad(text: string, file: SourceFile, budget: Budget): unknown {
  const read = fastRead(text, file);
  if (!read || !budget.affords(read.nodes)) return undefined;
  budget.spend(read.nodes);
  return read.value;
}
