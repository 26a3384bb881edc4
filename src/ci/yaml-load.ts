// Parses YAML as GitLab reads it (YAML 1.1 booleans, anchors, `<<` merge keys as Psych applies
// them, duplicate keys: last wins, `!reference` tags) into plain values plus source positions.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import type { Diagnostics } from './diagnostics.js';
import { isFloatKey, keyPos, setLoc, valPos, type NodeLoc, type Pos, type SourceFile } from './source-map.js';
import { boundedJson, Budget, isObj, RefTag, setKey, type Obj } from './values.js';

const referenceTag = { tag: '!reference', collection: 'seq' as const, resolve: (v: unknown) => v };

/** Plain scalars Psych (GitLab's YAML parser) reads as numbers; others stay strings (".e0", "1e5"). */
const PSYCH_NUMBER =
  /^(?:[-+]?0b[01_,]+|[-+]?0[0-7_,]+|[-+]?(?:0|[1-9](?:[0-9]|,[0-9]|_[0-9])*)|[-+]?0x[0-9a-fA-F_,]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+|[-+]?(?:[0-9][0-9_,]*)?\.[0-9]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

export interface LoadedYaml {
  file: SourceFile;
  /** One value per YAML document (a file with `spec:` has two). */
  docs: unknown[];
  ok: boolean;
}

const MAX_TEXT = 4 * 1024 * 1024;

export function loadYaml(path: string, text: string, diags: Diagnostics, budget: Budget): LoadedYaml {
  const lines = new LineCounter();
  const file: SourceFile = { path, lines };
  if (text.length > MAX_TEXT) {
    diags.error({ file, offset: 0 }, `${path}: file is too large (over ${MAX_TEXT} characters)`);
    return { file, docs: [], ok: false };
  }
  let documents: Document.Parsed[];
  try {
    const parsed = parseAllDocuments(text, {
      version: '1.1',
      merge: false,
      uniqueKeys: false,
      customTags: [referenceTag],
      lineCounter: lines,
      prettyErrors: false,
      strict: false,
    });
    documents = Array.isArray(parsed) ? parsed : [];
  } catch (e) {
    diags.error({ file, offset: 0 }, `yaml syntax error: ${(e as Error).message}`);
    return { file, docs: [], ok: false };
  }
  let ok = true;
  for (const doc of documents) {
    for (const err of doc.errors) {
      ok = false;
      diags.error({ file, offset: err.pos[0] }, `yaml syntax error: ${cleanMessage(err.message)}`);
    }
  }
  if (!ok) return { file, docs: [], ok };
  const docs: unknown[] = [];
  for (const doc of documents) {
    const conv = new Converter(doc, file, diags, budget);
    docs.push(conv.convert(doc.contents as Node | null));
    if (conv.tooDeep) return { file, docs: [], ok: false };
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

const MAX_DEPTH = 100;

class Converter {
  private memo = new Map<Node, unknown>();
  private active = new Set<Node>();
  private depth = 0;
  tooDeep = false;

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

  convert(node: Node | null | undefined): unknown {
    if (node === null || node === undefined) return null;
    if (!this.budget.spend(1)) return null;
    if (isAlias(node)) {
      const target = node.resolve(this.doc) as Node | undefined;
      if (!target || this.active.has(target)) return null;
      if (this.memo.has(target)) return this.memo.get(target);
      return this.convert(target);
    }
    if (isScalar(node)) return this.scalar(node);
    if (this.depth >= MAX_DEPTH) {
      if (!this.tooDeep) this.diags.error(this.pos(node), `configuration is nested too deeply (more than ${MAX_DEPTH} levels)`);
      this.tooDeep = true;
      return null;
    }
    this.active.add(node);
    this.depth++;
    try {
      let out: unknown;
      if (isMap(node)) out = this.map(node);
      else if (isSeq(node)) out = this.seq(node);
      else out = null;
      if (node.anchor) this.memo.set(node, out);
      return out;
    } finally {
      this.depth--;
      this.active.delete(node);
    }
  }

  private scalar(node: import('yaml').Scalar): unknown {
    const v = node.value;
    const src = node.source;
    if (typeof v === 'boolean' && typeof src === 'string' && /^[yYnN]$/.test(src)) return src; // Psych keeps y/n
    if (v instanceof Date) return typeof src === 'string' ? src : v.toISOString();
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'number' && typeof src === 'string' && node.type === 'PLAIN' && !node.tag && !PSYCH_NUMBER.test(src)) return src;
    if (typeof v === 'symbol') return '<<';
    if (v === undefined) return null;
    return v;
  }

  private isFloatText(node: Node | null | undefined): boolean {
    return isScalar(node) && typeof node.value === 'number' && Number.isInteger(node.value) && typeof node.source === 'string' && /^[-+]?(\d[\d_]*)?\.\d*([eE][-+]?\d+)?$/.test(node.source);
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
