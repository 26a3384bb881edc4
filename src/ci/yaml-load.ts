// Parses YAML as GitLab reads it (YAML 1.1 booleans, anchors, `<<` merge keys as Psych applies
// them, duplicate keys: last wins, `!reference` tags) into plain values plus source positions.
// Files given as bytes must be valid UTF-8; the parsed value is bounded as GitLab bounds it
// (yaml-size.ts: "The parsed YAML is too big", aliases counted each time they are used).
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import type { Diagnostics } from './diagnostics.js';
import { isFloatKey, keyPos, setLoc, valPos, type NodeLoc, type Pos, type SourceFile } from './source-map.js';
import { boundedJson, Budget, isObj, RefTag, setKey, type Obj } from './values.js';
import { decodeUtf8 } from './utf8.js';
import { fastLoad } from './yaml-fast.js';
import { isFloatText, psychScalar, YAML_OPTIONS } from './yaml-scalar.js';
import { collectionSize, MAX_YAML_DEPTH, MAX_YAML_SIZE_BYTES, prescan, stringSize, TOO_BIG } from './yaml-size.js';

export interface LoadedYaml {
  file: SourceFile;
  /** One value per YAML document (a file with `spec:` has two). */
  docs: unknown[];
  ok: boolean;
}

const MAX_TEXT = 4 * 1024 * 1024;

/** Lines of `text`, for positions in a text the YAML parser did not see. */
function lineCounterOf(text: string): LineCounter {
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
  return lines;
}

export function loadYaml(path: string, source: string | Uint8Array, diags: Diagnostics, budget: Budget): LoadedYaml {
  let text: string;
  if (typeof source === 'string') text = source;
  else {
    const decoded = decodeUtf8(source);
    if (!decoded.ok) {
      const file: SourceFile = { path, lines: lineCounterOf(decoded.prefix) };
      diags.error({ file, offset: decoded.prefix.length }, `invalid byte sequence in UTF-8 (${decoded.message}: ${decoded.bytes})`);
      return { file, docs: [], ok: false };
    }
    text = decoded.text;
  }
  if (text.length > MAX_TEXT) {
    const file: SourceFile = { path, lines: new LineCounter() };
    diags.error({ file, offset: 0 }, `${path}: file is too large (over ${MAX_TEXT} characters)`);
    return { file, docs: [], ok: false };
  }
  const fastFile: SourceFile = { path, lines: lineCounterOf(text) };
  const fast = fastLoad(text, fastFile, budget);
  if (fast !== undefined) return { file: fastFile, docs: [fast], ok: true };
  return loadWithYamlPackage(path, text, diags, budget);
}

/** The general path: the `yaml` package's parser and composer, then the conversion below. */
export function loadWithYamlPackage(path: string, text: string, diags: Diagnostics, budget: Budget): LoadedYaml {
  const lines = new LineCounter();
  const file: SourceFile = { path, lines };
  const tooBigAt = prescan(text);
  if (tooBigAt >= 0) {
    diags.error({ file: { path, lines: lineCounterOf(text) }, offset: tooBigAt }, TOO_BIG);
    return { file, docs: [], ok: false };
  }
  let documents: Document.Parsed[];
  try {
    const parsed = parseAllDocuments(text, { ...YAML_OPTIONS, lineCounter: lines });
    documents = Array.isArray(parsed) ? parsed : [];
  } catch (e) {
    diags.error({ file, offset: 0 }, isStackOverflow(e) ? TOO_BIG : `yaml syntax error: ${(e as Error).message}`);
    return { file, docs: [], ok: false };
  }
  let ok = true;
  for (const doc of documents) {
    for (const err of doc.errors) {
      ok = false;
      // The parser recurses per nesting level: running out of stack means far more than 100 levels.
      const message = isStackOverflow(err) ? TOO_BIG : `yaml syntax error: ${cleanMessage(err.message)}`;
      diags.error({ file, offset: err.pos[0] }, message);
    }
  }
  if (!ok) return { file, docs: [], ok };
  const docs: unknown[] = [];
  for (const doc of documents) {
    const conv = new Converter(doc, file, diags, budget);
    docs.push(conv.convert(doc.contents as Node | null));
    if (conv.tooBig) return { file, docs: [], ok: false };
    if (budget.exhausted) {
      diags.error({ file, offset: 0 }, `${path}: configuration is too large (alias expansion exceeds the limit)`);
      return { file, docs: [], ok: false };
    }
  }
  return { file, docs, ok };
}

function cleanMessage(m: string): string {
  return m.replace(/\s+at line \d+, column \d+:?[\s\S]*$/, '').trim();
}

function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError || /Maximum call stack size exceeded/.test(String((e as Error)?.message ?? e));
}

/** Size and height of an anchored subtree, added again at each alias of it. */
interface Measured {
  value: unknown;
  size: number;
  height: number;
}

class Converter {
  private memo = new Map<Node, Measured>();
  private active = new Set<Node>();
  private depth = 0;
  /** Estimated parsed size so far (yaml-size.ts), aliases counted each time. */
  private size = 0;
  /** Deepest collection level reached so far. */
  private peak = 0;
  tooBig = false;

  constructor(
    private doc: Document.Parsed,
    private file: SourceFile,
    private diags: Diagnostics,
    private budget: Budget,
  ) {}

  private pos(node: Node | null | undefined): Pos {
    return { file: this.file, offset: this.off(node) };
  }

  private off(node: Node | null | undefined): number {
    return node?.range?.[0] ?? 0;
  }

  /** Adds to the estimated size / depth; false (and one diagnostic) once a limit is passed. */
  private account(node: Node, size: number, height: number): boolean {
    if (this.tooBig) return false;
    this.size += size;
    this.peak = Math.max(this.peak, this.depth + height);
    if (this.size <= MAX_YAML_SIZE_BYTES && this.peak <= MAX_YAML_DEPTH) return true;
    this.tooBig = true;
    this.diags.error(this.pos(node), TOO_BIG);
    return false;
  }

  convert(node: Node | null | undefined): unknown {
    if (node === null || node === undefined || this.tooBig) return null;
    if (!this.budget.spend(1)) return null;
    if (isAlias(node)) {
      const target = node.resolve(this.doc) as Node | undefined;
      if (!target || this.active.has(target)) return null;
      const seen = this.memo.get(target);
      if (seen) return this.account(node, seen.size, seen.height) ? seen.value : null;
      return this.convert(target);
    }
    if (isScalar(node)) {
      const value = this.scalar(node);
      return this.account(node, typeof value === 'string' ? stringSize(value.length) : 0, 0) ? value : null;
    }
    const items = isMap(node) || isSeq(node) ? node.items.length : 0;
    if (!this.account(node, collectionSize(items, isMap(node)), 1)) return null;
    const sizeBefore = this.size;
    const peakBefore = this.peak;
    this.peak = this.depth + 1;
    this.active.add(node);
    this.depth++;
    try {
      let out: unknown;
      if (isMap(node)) out = this.map(node);
      else if (isSeq(node)) out = this.seq(node);
      else out = null;
      if (node.anchor) this.memo.set(node, { value: out, size: this.size - sizeBefore + collectionSize(items, isMap(node)), height: this.peak - (this.depth - 1) });
      return out;
    } finally {
      this.depth--;
      this.peak = Math.max(peakBefore, this.peak);
      this.active.delete(node);
    }
  }

  private scalar(node: import('yaml').Scalar): unknown {
    return psychScalar(node.value, node.source, node.type === 'PLAIN' && !node.tag);
  }

  private isFloatText(node: Node | null | undefined): boolean {
    return isScalar(node) && isFloatText(node.value, node.source);
  }

  private map(node: import('yaml').YAMLMap): Obj {
    const out: Obj = {};
    const loc: NodeLoc = { file: this.file, at: this.off(node), keys: new Map(), vals: new Map() };
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const isMerge = isScalar(keyNode) && (typeof keyNode.value === 'symbol' || (keyNode.source === '<<' && !keyNode.tag && keyNode.type === 'PLAIN'));
      const valueNode = pair.value as Node | null;
      if (isMerge) {
        this.applyMerge(out, loc, valueNode);
        continue;
      }
      const rawKey = this.convert(keyNode);
      const key = rawKey === null ? '' : typeof rawKey === 'object' ? JSON.stringify(boundedJson(rawKey, 100)) : String(rawKey);
      setKey(out, key, this.convert(valueNode));
      loc.keys!.set(key, this.off(keyNode));
      loc.vals!.set(key, this.off(valueNode ?? keyNode));
      if (this.isFloatText(valueNode)) (loc.floats ??= new Set()).add(key);
      else loc.floats?.delete(key);
    }
    setLoc(out, loc);
    return out;
  }

  /** Psych: `<<: *a` (or a list of them) merges into the keys defined so far; later keys override. */
  private applyMerge(out: Obj, loc: NodeLoc, valueNode: Node | null): void {
    const sources: Node[] = isSeq(valueNode) ? (valueNode.items as Node[]) : valueNode ? [valueNode] : [];
    const merged: Obj = {};
    const mergedKeys = new Map<string, number>();
    for (const src of [...sources].reverse()) {
      const value = this.convert(src);
      if (!isObj(value)) {
        this.diags.error(this.pos(src), 'merge key `<<` expects a mapping or a list of mappings');
        continue;
      }
      for (const k of Object.keys(value)) {
        setKey(merged, k, value[k]);
        const kp = keyPos(value, k);
        if (kp && kp.file === this.file) mergedKeys.set(k, kp.offset);
        const vp = valPos(value, k);
        if (vp && vp.file === this.file) loc.vals!.set(k, vp.offset);
        if (isFloatKey(value, k)) (loc.floats ??= new Set()).add(k);
      }
    }
    for (const k of Object.keys(merged)) {
      setKey(out, k, merged[k]);
      loc.keys!.set(k, mergedKeys.get(k) ?? loc.at);
    }
  }

  private seq(node: import('yaml').YAMLSeq): unknown {
    const items: unknown[] = [];
    const positions: number[] = [];
    for (const item of node.items as (Node | null)[]) {
      items.push(this.convert(item));
      positions.push(this.off(item ?? node));
    }
    if (node.tag === '!reference') {
      const path = items.map((i) => (i === null ? '' : String(i)));
      if (items.some((i) => i !== null && typeof i === 'object')) {
        this.diags.error(this.pos(node), '!reference tag must be an array of keys (strings)');
      }
      return new RefTag(path, this.pos(node));
    }
    setLoc(items, { file: this.file, at: this.off(node), items: positions });
    return items;
  }
}
