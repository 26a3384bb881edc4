// `$VAR` / `${VAR}` expansion with the rules of Go's os.Expand, which gitlab-runner uses for
// variable values, artifact and cache paths and keys: a single pass, unknown names expand to "",
// `$$`, `$1`, `$*`... are one-character names, `${}` and an unclosed `${` are eaten, a `$` not
// followed by a name stays as it is.

const SPECIAL = new Set(['*', '#', '$', '@', '!', '?', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
const isAlnum = (c: string) => /[A-Za-z0-9_]/.test(c);

function shellName(s: string): { name: string; width: number } {
  if (s[0] === '{') {
    if (s.length > 2 && SPECIAL.has(s[1]) && s[2] === '}') return { name: s[1], width: 3 };
    for (let i = 1; i < s.length; i++) {
      if (s[i] === '}') return i === 1 ? { name: '', width: 2 } : { name: s.slice(1, i), width: i + 1 };
    }
    return { name: '', width: 1 };
  }
  if (SPECIAL.has(s[0])) return { name: s[0], width: 1 };
  let i = 0;
  while (i < s.length && isAlnum(s[i])) i++;
  return { name: s.slice(0, i), width: i };
}

export function goExpand(text: string, lookup: (name: string) => string): string {
  let out = '';
  let i = 0;
  for (let j = 0; j < text.length; j++) {
    if (text[j] === '$' && j + 1 < text.length) {
      out += text.slice(i, j);
      const { name, width } = shellName(text.slice(j + 1));
      if (name === '' && width > 0) {
        // invalid syntax: eaten
      } else if (name === '') {
        out += '$';
      } else {
        out += lookup(name);
      }
      j += width;
      i = j + 1;
    }
  }
  return out + text.slice(i);
}
