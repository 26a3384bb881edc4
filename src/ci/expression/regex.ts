// Ruby-syntax patterns (/re/flags) evaluated with RE2 semantics through re2js, as GitLab does
// with Gitlab::UntrustedRegexp: linear time whatever the user writes.
import { RE2JS } from 're2js';

const cache = new Map<string, RE2JS | null>();

/** Compiles `source` with Ruby flags (i, m = dot matches newline, s, U ignored); null if invalid. */
export function compilePattern(source: string, flags = ''): RE2JS | null {
  const key = `${flags}/${source}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let bits = 0;
  if (flags.includes('i')) bits |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes('m') || flags.includes('s')) bits |= RE2JS.DOTALL;
  let re: RE2JS | null;
  try {
    re = RE2JS.compile(source, bits);
  } catch {
    re = null;
  }
  if (cache.size > 2000) cache.clear();
  cache.set(key, re);
  return re;
}

/** Parses "/re/flags" into its parts; null when the text is not in that form. */
export function splitPattern(text: string): { source: string; flags: string } | null {
  const m = /^\/((?:[^/\\]|\\.)+)\/([ismU]*)$/s.exec(text);
  return m ? { source: m[1].replace(/\\\//g, '/'), flags: m[2] } : null;
}
