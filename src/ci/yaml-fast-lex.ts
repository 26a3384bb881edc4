// The fast YAML reader's lexical part: character codes, the searches it runs, plain scalars
// resolved with the `yaml` package's own tags (cached by text), double-quoted escapes.
import { Document, isScalar } from 'yaml';
import { isFloatText, psychScalar, YAML_OPTIONS } from './yaml-scalar.js';
import { MAYBE_IMMEDIATE, stringSize } from './yaml-size.js';

/** Thrown to give up; caught in fastLoad only. */
export const GIVE_UP = new Error('not for the fast reader');

// Characters: codes used below.
export const NL = 10;
export const SP = 32;
export const HASH = 35;
export const COLON = 58;
export const DASH = 45;
export const SQ = 39;
export const DQ = 34;
export const COMMA = 44;
export const LBRACKET = 91;
export const RBRACKET = 93;
export const LBRACE = 123;
export const RBRACE = 125;

/** Control characters, tabs, CR, the C1 range, BOM and the Unicode line separators: the `yaml` package decides. */
export const UNUSUAL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]/;

// Searches run by the regular expression engine (native code, fast even before the JIT warms up).
/** In a block plain scalar: what ends it (a comment, the line end) or makes it a key (`: `). */
export const BLOCK_PLAIN_STOP = /:(?=[ \n]|$)| (?=#)|\n/g;
/** In a flow plain scalar: a flow indicator, a line end, a comment or a `:` indicator. */
export const FLOW_PLAIN_STOP = /[,[\]{}\n]|:(?=[ \n,[\]{}]|$)| (?=#)/g;
export const SINGLE_QUOTED_STOP = /['\n]/g;
export const DOUBLE_QUOTED_STOP = /[\\"\n]/g;

/** Offset of the first match of `re` (global, every match one character long) from `p`, or -1. */
export function search(re: RegExp, t: string, p: number): number {
  re.lastIndex = p;
  return re.test(t) ? re.lastIndex - 1 : -1; // test() builds no match object
}

/** A plain scalar may not start with an indicator (`-` only followed by a safe character). */
export function isIndicator(c: number): boolean {
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

export function isFlowIndicator(c: number): boolean {
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

export interface Plain {
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

export function resolvePlain(src: string, atKey: boolean): Plain {
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

/** The text of the one-line double-quoted scalar at `p` whose closing quote is at `close - 1`. */
export function unescapeDouble(t: string, p: number, close: number): string {
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
