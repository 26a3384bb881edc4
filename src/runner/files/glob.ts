// Glob patterns with doublestar semantics, as gitlab-runner matches artifact and cache paths:
// `*` and `?` stay within one path segment, `**` as a whole segment spans any number of
// segments (zero included), `[...]` classes, `{a,b}` alternatives. Paths use "/".

const escapeRe = (s: string) => s.replace(/[.+^$()|\\/]/g, '\\$&');

function segmentToRegex(seg: string): string {
  let out = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        let cls = seg.slice(i + 1, end);
        if (cls.startsWith('!') || cls.startsWith('^')) cls = '^' + cls.slice(1);
        out += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '{') {
      const end = seg.indexOf('}', i);
      if (end < 0) out += '\\{';
      else {
        out += `(?:${seg.slice(i + 1, end).split(',').map(segmentToRegex).join('|')})`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < seg.length) {
      out += escapeRe(seg[++i]);
    } else out += escapeRe(c);
  }
  return out;
}

export function globToRegExp(pattern: string): RegExp {
  const segs = normalizePattern(pattern).split('/');
  let re = '^';
  segs.forEach((seg, i) => {
    const last = i === segs.length - 1;
    if (seg === '**') re += last ? '.*' : '(?:[^/]+/)*';
    else re += segmentToRegex(seg) + (last ? '' : '/');
  });
  return new RegExp(re + '$');
}

export function normalizePattern(pattern: string): string {
  let p = pattern.trim().replace(/\\(?=[^*?[{\\])/g, '/');
  while (p.startsWith('./')) p = p.slice(2);
  p = p.replace(/\/+/g, '/');
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

export const hasMagic = (pattern: string) => /[*?[{]/.test(pattern);

/** The leading segments without glob characters (where a walk can start). */
export function staticPrefix(pattern: string): string {
  const segs = normalizePattern(pattern).split('/');
  const out: string[] = [];
  for (const s of segs) {
    if (hasMagic(s)) break;
    out.push(s);
  }
  return out.join('/');
}
