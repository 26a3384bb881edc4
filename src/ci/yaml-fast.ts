// A fast reader for the plain YAML most CI files are written in: block maps and sequences,
// one-line plain and quoted scalars, one-line flow collections, comments. It builds the same
// values and positions as yaml-load.ts builds from the `yaml` package (scalars are resolved with
// that package's own YAML 1.1 tags), in a fraction of the time. Anything else - anchors,
// aliases, tags, `<<`, block scalars, multi-line scalars or flow collections, several documents,
// tabs, CR, anything unusual or invalid - gives up (`undefined`), and the `yaml` package reads
// the file: diagnostics always come from there.
import { setLoc, type NodeLoc, type SourceFile } from './source-map.js';
import { setKey, type Budget, type Obj } from './values.js';
import { BLOCK_PLAIN_STOP, COLON, DASH, DQ, GIVE_UP, HASH, isIndicator, NL, SP, SQ, search, UNUSUAL } from './yaml-fast-lex.js';
import { InlineReader } from './yaml-fast-flow.js';
import { collectionSize, MAX_YAML_SIZE_BYTES, PRESCAN_FROM } from './yaml-size.js';

/** The block structure: maps and sequences by indentation, the one-line parts from InlineReader. */
class FastReader extends InlineReader {
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
