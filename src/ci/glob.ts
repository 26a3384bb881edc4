// File globs as GitLab matches them (Ruby File.fnmatch with FNM_PATHNAME | FNM_DOTMATCH |
// FNM_EXTGLOB): `*` and `?` stay inside one path segment, `**/` spans directories, `{a,b}`
// alternatives, `[...]` classes. Compiled to RE2, so matching is linear whatever the pattern.
import { compilePattern } from './expression/index.js';
import type { RE2JS } from 're2js';

const cache = new Map<string, RE2JS | null>();

function toRegex(glob: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\' && i + 1 < glob.length) {
      out += escape(glob[++i]);
    } else if (c === '*') {
      if (glob[i + 1] === '*' && glob[i + 2] === '/' && (i === 0 || glob[i - 1] === '/')) {
        out += '(?:[^/]*/)*';
        i += 2;
      } else {
        while (glob[i + 1] === '*') i++;
        out += '[^/]*';
      }
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        out += '\\[';
      } else {
        let body = glob.slice(i + 1, end);
        if (body.startsWith('!') || body.startsWith('^')) body = `^${body.slice(1)}`;
        out += `[${body.replace(/\\/g, '\\\\').replace(/\[/g, '\\[')}]`;
        i = end;
      }
    } else if (c === '{') {
      depth++;
      out += '(?:';
    } else if (c === '}' && depth > 0) {
      depth--;
      out += ')';
    } else if (c === ',' && depth > 0) {
      out += '|';
    } else {
      out += escape(c);
    }
  }
  while (depth-- > 0) out += ')';
  return `^${out}$`;
}

function escape(c: string): string {
  return /[\\^$.|?*+()[\]{}]/.test(c) ? `\\${c}` : c;
}

export function globMatcher(glob: string): (path: string) => boolean {
  let re = cache.get(glob);
  if (re === undefined) {
    re = compilePattern(toRegex(glob.replace(/^\.\//, '').replace(/^\/+/, '')));
    if (cache.size > 5000) cache.clear();
    cache.set(glob, re);
  }
  const compiled = re;
  if (!compiled) return (path) => path === glob;
  return (path) => compiled.testExact(path);
}

export function isGlob(text: string): boolean {
  return /[*?[{]/.test(text);
}
