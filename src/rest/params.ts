// Rack's nested parameters, as GitLab (Rails/Grape) reads query strings and form bodies:
//   a=1 → {a: "1"}; scope[]=x&scope[]=y → {scope: ["x","y"]}; variables[K]=V → {variables: {K: "V"}};
//   variables[][key]=K&variables[][value]=V → {variables: [{key: "K", value: "V"}]}.
// The plugin runs every query string and urlencoded/multipart form body through it before the
// TypeBox schema validates, so one schema serves JSON clients (python-gitlab, gitbeaker) and
// curl --form / --data alike.
import { badRequest } from '../util/errors.js';

type Value = string | Value[] | { [key: string]: Value };
export type NestedParams = { [key: string]: Value };

const MAX_DEPTH = 8;
/** Names that would reach Object.prototype (`__proto__[x]=1` must not pollute every object). */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_PAIRS = 2000;

function split(name: string): string[] | null {
  const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(name);
  if (!m) return null;
  const keys = [m[1]];
  for (const part of m[2].matchAll(/\[([^[\]]*)\]/g)) keys.push(part[1]);
  return keys;
}

const isObject = (v: Value | undefined): v is { [key: string]: Value } => typeof v === 'object' && v !== null && !Array.isArray(v);

function assign(target: { [key: string]: Value }, keys: string[], value: string): void {
  let node: { [key: string]: Value } = target;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const last = i === keys.length - 1;
    const next = keys[i + 1];
    if (key === '' && i > 0) return; // handled by the parent when it saw []
    if (last) {
      node[key] = value;
      return;
    }
    if (next === '') {
      // key[] or key[][sub]
      const list = Array.isArray(node[key]) ? (node[key] as Value[]) : (node[key] = []);
      if (i + 1 === keys.length - 1) {
        list.push(value);
        return;
      }
      // key[][sub]...: a new element when the last one already has `sub` (Rack's rule)
      const sub = keys.slice(i + 2);
      let element = list[list.length - 1];
      if (!isObject(element) || sub[0] in element) {
        element = {};
        list.push(element);
      }
      assign(element, sub, value);
      return;
    }
    if (!isObject(node[key])) node[key] = {};
    node = node[key] as { [key: string]: Value };
  }
}

/** Nested params from ordered name/value pairs (bad names are kept as plain keys). */
export function nestParams(pairs: Iterable<[string, string]>): NestedParams {
  const out: NestedParams = {};
  let count = 0;
  for (const [name, value] of pairs) {
    if (++count > MAX_PAIRS) throw badRequest(`too many parameters (at most ${MAX_PAIRS})`);
    const keys = split(name);
    if (keys?.some((k) => FORBIDDEN.has(k)) || FORBIDDEN.has(name)) continue;
    if (!keys || keys.length > MAX_DEPTH) {
      Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
      continue;
    }
    assign(out, keys, value);
  }
  return out;
}

/** Nested params of a query string or urlencoded body. */
export function parseNested(text: string): NestedParams {
  return nestParams(new URLSearchParams(text));
}
