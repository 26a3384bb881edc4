// Evaluates a parsed expression the way GitLab's Statement does: values are strings, null,
// booleans or patterns; the statement is true when its value is "present".
import type { Expr } from './parser.js';
import { compilePattern, splitPattern } from './regex.js';

type Value = string | null | boolean | { re: string; flags: string };

export type VariableLookup = (name: string) => string | undefined;

export function evaluateExpression(expr: Expr, lookup: VariableLookup): boolean {
  return truthy(evaluate(expr, lookup));
}

function truthy(v: Value): boolean {
  if (v === null || v === false) return false;
  if (typeof v === 'string') return v.length > 0;
  return true;
}

function evaluate(e: Expr, lookup: VariableLookup): Value {
  switch (e.t) {
    case 'var':
      return lookup(e.name) ?? null;
    case 'str':
      return e.value;
    case 'null':
      return null;
    case 're':
      return { re: e.source, flags: e.flags };
    case 'and': {
      const l = evaluate(e.l, lookup);
      return truthy(l) ? evaluate(e.r, lookup) : l;
    }
    case 'or': {
      const l = evaluate(e.l, lookup);
      return truthy(l) ? l : evaluate(e.r, lookup);
    }
    case 'cmp': {
      const l = evaluate(e.l, lookup);
      const r = evaluate(e.r, lookup);
      if (e.op === '==') return same(l, r);
      if (e.op === '!=') return !same(l, r);
      const m = matches(l, r);
      if (m === null) return e.op === '!~';
      return e.op === '=~' ? m : !m;
    }
  }
}

function same(a: Value, b: Value): boolean {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) return a.re === b.re && a.flags === b.flags;
  return a === b;
}

/** null when the right side is not a pattern (GitLab: no match). */
function matches(text: Value, pattern: Value): boolean | null {
  let p: { re: string; flags: string } | null = null;
  if (typeof pattern === 'object' && pattern !== null) p = pattern;
  else if (typeof pattern === 'string') {
    const split = splitPattern(pattern);
    if (split) p = { re: split.source, flags: split.flags };
  }
  if (!p) return null;
  const re = compilePattern(p.re, p.flags);
  if (!re) return null;
  const s = typeof text === 'string' ? text : '';
  return re.test(s);
}
