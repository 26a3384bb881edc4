// The fast YAML reader against the `yaml` package path: whenever the fast reader accepts a text,
// the `yaml` path must accept it too with no diagnostic, build the same values with the same
// positions, float marks and line table, spend the same budget, and yaml-size.ts prescan must
// compute the same lower bound. Run on the fixtures, the examples, the benchmark file, edge
// cases and seeded random mutations of all of them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter } from 'yaml';
import { describe, expect, it } from 'vitest';
import { compileBenchYaml } from '../../bench/e2e-support.js';
import { Diagnostics } from './diagnostics.js';
import { locOf, type SourceFile } from './source-map.js';
import { loadFixtures } from './test-support/fixtures.js';
import { Budget, isObj, RefTag } from './values.js';
import { fastRead } from './yaml-fast.js';
import { loadWithYamlPackage } from './yaml-load.js';
import { prescan } from './yaml-size.js';
import { rng } from './test-support/rng.js';

const BUDGET = 5_000_000;

function snap(v: unknown, file: SourceFile): unknown {
  if (v instanceof RefTag) return { ref: v.path };
  const loc = locOf(v);
  const where = loc && {
    ownFile: loc.file === file,
    at: loc.at,
    keys: loc.keys && [...loc.keys],
    vals: loc.vals && [...loc.vals],
    items: loc.items,
    floats: loc.floats && [...loc.floats],
    base: loc.base !== undefined,
  };
  if (Array.isArray(v)) return { seq: v.map((x) => snap(x, file)), where };
  if (isObj(v)) {
    return {
      map: Object.keys(v).map((k) => [k, snap(v[k], file)]),
      plainPrototype: Object.getPrototypeOf(v) === Object.prototype,
      where,
    };
  }
  return { scalar: v, type: typeof v, negativeZero: Object.is(v, -0) };
}

function left(b: Budget): number {
  return (b as unknown as { left: number }).left;
}

/** Compares both readers on `text`; true when the fast reader accepted it. */
function same(text: string): boolean {
  const file: SourceFile = { path: 'x.yml', lines: new LineCounter() };
  const fast = fastRead(text, file);
  if (!fast) return false;
  const diags = new Diagnostics('x.yml');
  const budget = new Budget(BUDGET);
  const slow = loadWithYamlPackage('x.yml', text, diags, budget);
  const context = `text: ${JSON.stringify(text.length > 400 ? `${text.slice(0, 400)}…` : text)}`;
  expect(diags.errors, context).toEqual([]);
  expect(diags.warnings, context).toEqual([]);
  expect(slow.ok, context).toBe(true);
  expect(slow.docs.length, context).toBe(1);
  expect(snap(fast.value, file), context).toStrictEqual(snap(slow.docs[0], slow.file));
  expect(fast.nodes, context).toBe(BUDGET - left(budget));
  // the fast path fills the line table from the text: it must be the parser's
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
  expect(lines.lineStarts, context).toEqual(slow.file.lines.lineStarts);
  // prescan's bound, computed on the way
  expect(prescan(text, fast.lower, 1000, 0), context).toBe(-1);
  if (fast.lower > 0) expect(prescan(text, fast.lower - 1, 1000, 0), context).toBeGreaterThanOrEqual(0);
  return true;
}


const PIECES = [' ', '  ', ':', ': ', '-', '- ', '#', ' #', '"', "'", "''", '[', ']', '{', '}', ',', ', ', '\n', '\n  ', 'a', 'x: 1', '0', '1.0', '2.50', '.5', '-1', '1e3', '1_000', '0x1F', '012', '1:30', 'true', 'yes', 'y', 'N', 'off', '~', 'null', 'Null', '2024-01-02', '.inf', '.NaN', '<<', '&a', '*a', '!', '!reference', '|', '>', '%', '@', '`', '?', '\\', '\\n', '\\x41', '\\u00e9', '\\q', 'é', '\t', '\r', '---', '...', '__proto__', 'key: [a, b]', '{k: v}', '"q": 1', "'s': 2"];

function mutate(text: string, r: () => number): string {
  let out = text;
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * (out.length + 1));
    switch (Math.floor(r() * 5)) {
      case 0:
        out = out.slice(0, at) + out.slice(at + 1 + Math.floor(r() * 3));
        break;
      case 1:
      case 2:
        out = out.slice(0, at) + PIECES[Math.floor(r() * PIECES.length)] + out.slice(at);
        break;
      case 3: {
        // indent or dedent a line
        const start = out.lastIndexOf('\n', at - 1) + 1;
        out = r() < 0.5 ? `${out.slice(0, start)} ${out.slice(start)}` : out.slice(0, start) + out.slice(start).replace(/^ /, '');
        break;
      }
      default: {
        // duplicate a line
        const lines = out.split('\n');
        const l = Math.floor(r() * lines.length);
        lines.splice(Math.floor(r() * lines.length), 0, lines[l]);
        out = lines.join('\n');
      }
    }
  }
  return out;
}

const EDGE = [
  'a: 1\n',
  'a:\nb: 1',
  'a:   \nb: 1',
  'a: # c\nb: 1',
  'x:\n  a:\n  b:\n',
  'x:\n  -\n  - # c\n  -   \n  - b',
  '  a: 1\n  b:',
  'a:\n\n  b: 1',
  'a:\n# x\n  - 1',
  'a: "x"   # c\nb: [1, 2 ]',
  'a:\n- x\n- y\nb: 2',
  '- a: 1\n  b: 2\n- c\n-\n  d: 3\n',
  '- a:\n  - x\n- b:\n    c: 1',
  'a: b\na: c\nb: 1\na: d',
  'a: 2.0\na: x\nb: 3.0\n',
  'v: [1.0, {x: 2.0}, "3.0"]',
  '__proto__: 1\nconstructor: 2\n',
  '"a b": 1\n\'c\'\'d\': 2\n"e\\"f": 3',
  'a: "\\x41\\u00e9\\n\\t\\\\\\/ \\"end"',
  "a: 'it''s'",
  'a: b: c',
  'a: b:',
  'a: -',
  'a: - b',
  '- - a',
  'a: [a, b,]',
  'a: [a, b',
  'a: {x: 1, y}',
  'a: [x: 1]',
  'a: {x:1}',
  'a: [http://x, "q", a b]',
  'a: x #c\n  y',
  'a:\n  b\n',
  'echo "x: y"\n',
  '- echo "foo: bar"\n- echo [x]\n',
  'script: echo $A && echo {b} , c',
  'a: 1\n b: 2',
  'a:\n   b: 1\n  c: 2',
  'a:\n  - x\n  b: 1',
  '---\na: 1',
  '# c\n---   # d\n\na: 1',
  '--- a: 1',
  '---',
  '---\n',
  '---\n---\na: 1',
  '---\na: 1\n---\nb: 2',
  '---x: 1',
  'a: 1\n...\n',
  'true: 1\nnull: 2\n1.5: 3\n0x10: 4\n2024-01-01: 5\ny: 6\n',
  'a: 0o17\nb: 0b101\nc: 1,000\nd: 190:20:30\ne: +.inf\nf: 1e5\ng: .e0\nh: 1.0e+3',
  '',
  '# only a comment\n',
  'a',
  'a: b\nc',
  '- a\nb: 1',
  'a:\n  - b\n  -   c:  1\n      d: 2\n',
  'a: [[1, [2]], {b: {c: []}}, {}]\n',
  'a:\t1',
  'a: 1\r\nb: 2',
  'a: &x 1\nb: *x',
  'a: !reference [b, c]',
  '<<: {a: 1}',
  'a: |\n  x\n',
  '? a\n: b',
  'k:    v   \n',
  'a:#b',
  'a :b',
  'a  : b',
  '-a: 1',
  'a: -b\n- c',
  '"a":b',
  'a: "b" c',
  "a: ''",
  'a: ""',
  'a:\n\n\n',
  'a: [ ]\nb: { }\n',
];

describe('fast YAML reader', () => {
  it('reads what the yaml package reads, on edge cases', () => {
    let accepted = 0;
    for (const text of EDGE) if (same(text)) accepted++;
    expect(accepted).toBeGreaterThan(25);
  });

  const corpus: string[] = [compileBenchYaml()];
  for (const f of loadFixtures()) for (const [name, text] of Object.entries(f.files)) if (/\.ya?ml$/.test(name)) corpus.push(text);
  // the real-world corpus (../shared/corpus), when it is there
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, name.name);
      if (name.isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(name.name)) corpus.push(readFileSync(full, 'utf8'));
    }
  };
  const shared = new URL('../../../shared/corpus/', import.meta.url).pathname;
  if (existsSync(shared)) walk(shared);
  const examples = new URL('../../examples/', import.meta.url).pathname;
  for (const d of readdirSync(examples)) {
    try {
      corpus.push(readFileSync(join(examples, d, '.gitlab-ci.yml'), 'utf8'));
    } catch {
      // no CI file there
    }
  }

  it('reads the benchmark file and most fixture files itself, the same as the yaml package', () => {
    let accepted = 0;
    for (const text of corpus) if (same(text)) accepted++;
    expect(same(compileBenchYaml())).toBe(true);
    expect(accepted / corpus.length).toBeGreaterThan(0.6);
  });

  it('agrees with the yaml package on random mutations', () => {
    const r = rng(20240607);
    let accepted = 0;
    let tried = 0;
    const small = corpus.filter((t) => t.length < 4000);
    for (let i = 0; i < 8000; i++) {
      const base = i % 2 === 0 ? small[Math.floor(r() * small.length)] : EDGE[Math.floor(r() * EDGE.length)];
      const text = mutate(base, r);
      tried++;
      if (same(text)) accepted++;
    }
    expect(accepted / tried).toBeGreaterThan(0.1);
  });
});
