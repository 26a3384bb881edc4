// The fast YAML reader's one-line part (see yaml-fast.ts): scalars, quoted or plain, and flow
// collections on one line, with the positions, node count and sizes the `yaml` path gives.
import { setLoc, type NodeLoc, type SourceFile } from './source-map.js';
import { setKey, type Obj } from './values.js';
import { BLOCK_PLAIN_STOP, COLON, COMMA, DASH, DOUBLE_QUOTED_STOP, DQ, FLOW_PLAIN_STOP, GIVE_UP, isFlowIndicator, isIndicator, LBRACE, LBRACKET, NL, RBRACE, RBRACKET, resolvePlain, search, SINGLE_QUOTED_STOP, SP, SQ, unescapeDouble } from './yaml-fast-lex.js';
import { collectionSize, MAX_YAML_DEPTH, MAX_YAML_SIZE_BYTES, PRESCAN_FROM, stringSize } from './yaml-size.js';

export class InlineReader {
  /** Offset after the last scalar or flow collection read. */
  protected end = 0;
  /** Start of the line the next content is on, and the column of that content (-1: end of text). */
  protected lineStart = 0;
  protected col = -1;
  /** Nodes built (what the `yaml` path spends from the budget), estimated size, depth. */
  nodes = 0;
  protected size = 0;
  /** yaml-size.ts prescan's lower bound of the size, for texts it scans. */
  lower = 0;
  protected depth = 0;
  /** Set by inline(): was the scalar read a float with an integral value. */
  protected lastFloat = false;

  constructor(
    protected readonly t: string,
    protected readonly file: SourceFile,
  ) {}

  protected skipSpaces(p: number): number {
    const t = this.t;
    while (p < t.length && t.charCodeAt(p) === SP) p++;
    return p;
  }

  protected enter(): void {
    this.nodes++;
    if (++this.depth > MAX_YAML_DEPTH) throw GIVE_UP;
    // both sizes only grow: past a limit, give up at once (a huge file is not built first)
    if (this.size > MAX_YAML_SIZE_BYTES || (this.lower > MAX_YAML_SIZE_BYTES && this.t.length >= PRESCAN_FROM)) throw GIVE_UP;
  }

  /** Offset after the closing quote of the one-line quoted scalar at `p`, or -1. */
  protected quotedEnd(p: number): number {
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

  /** A key (plain or quoted) from `p` to its `:` at `colon`. */
  protected key(p: number, colon: number): string {
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

  /** A quoted scalar node at `p`, counted and sized; this.end after it. */
  private quotedScalar(p: number): string {
    this.nodes++;
    const v = this.quoted(p);
    this.lower += stringSize(Math.floor((this.end - p - 2) / 4));
    this.size += stringSize(v.length);
    return v;
  }

  /** A scalar or flow collection on one line (block context), ending at this.end. */
  protected inline(p: number): unknown {
    const t = this.t;
    const c = t.charCodeAt(p);
    this.lastFloat = false;
    if (c === LBRACKET) return this.flowSeq(p);
    if (c === LBRACE) return this.flowMap(p);
    if (c === SQ || c === DQ) return this.quotedScalar(p);
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

  protected plain(src: string): unknown {
    this.nodes++;
    const { value, float, lower } = resolvePlain(src, false);
    this.lastFloat = float;
    if (typeof value === 'string') this.size += stringSize(value.length);
    this.lower += lower;
    return value;
  }

  /** The one-line quoted scalar at `p`; this.end after its closing quote. */
  protected quoted(p: number): string {
    const t = this.t;
    const close = this.quotedEnd(p);
    if (close < 0) throw GIVE_UP;
    this.end = close;
    if (t.charCodeAt(p) === SQ) return t.slice(p + 1, close - 1).replaceAll("''", "'");
    return unescapeDouble(t, p, close);
  }

  protected flowSeq(p: number): unknown[] {
    this.enter();
    const items: unknown[] = [];
    const positions: number[] = [];
    this.flowItems(p, RBRACKET, (q) => {
      positions.push(q);
      items.push(this.flowValue(q));
    });
    this.size += collectionSize(items.length, false);
    setLoc(items, { file: this.file, at: p, items: positions });
    return items;
  }

  protected flowMap(p: number): Obj {
    this.enter();
    const out: Obj = {};
    const keys = new Map<string, number>();
    const vals = new Map<string, number>();
    const loc: NodeLoc = { file: this.file, at: p, keys, vals };
    let count = 0;
    this.flowItems(p, RBRACE, (q) => {
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
    });
    this.size += collectionSize(count, true);
    setLoc(out, loc);
    return out;
  }

  /** The comma-separated items of a flow collection opened at `p`, up to its closer `close`; this.end after it. */
  private flowItems(p: number, close: number, item: (q: number) => void): void {
    const t = this.t;
    let q = this.skipSpaces(p + 1);
    if (t.charCodeAt(q) !== close) {
      for (;;) {
        item(q);
        q = this.skipSpaces(this.end);
        const c = t.charCodeAt(q);
        if (c === COMMA) {
          q = this.skipSpaces(q + 1);
          if (t.charCodeAt(q) === close) throw GIVE_UP; // a trailing comma
          continue;
        }
        if (c === close) break;
        throw GIVE_UP;
      }
    }
    this.end = q + 1;
    this.lastFloat = false;
    this.lower += 40;
    this.depth--;
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
      const v = this.quotedScalar(p);
      if (t.charCodeAt(this.skipSpaces(this.end)) === COLON) throw GIVE_UP; // a pair in a flow sequence
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
