// Tokens of GitLab's `rules:if` / `only:variables` expression language
// (lib/gitlab/ci/pipeline/expression/lexeme in GitLab): $VAR, "str", 'str', /re/flags, null,
// == != =~ !~ && || ( ).
export type Token =
  | { t: 'var'; name: string; at: number }
  | { t: 'str'; value: string; at: number }
  | { t: 'null'; at: number }
  | { t: 're'; source: string; flags: string; at: number }
  | { t: 'op'; op: '==' | '!=' | '=~' | '!~' | '&&' | '||'; at: number }
  | { t: '('; at: number }
  | { t: ')'; at: number };

export class ExpressionSyntaxError extends Error {}

const MAX_LENGTH = 10_000;
const MAX_TOKENS = 1_000;

export function tokenize(text: string): Token[] {
  if (text.length > MAX_LENGTH) throw new ExpressionSyntaxError('expression is too long');
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    if (out.length > MAX_TOKENS) throw new ExpressionSyntaxError('expression is too long');
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === '==' || two === '!=' || two === '=~' || two === '!~' || two === '&&' || two === '||') {
      out.push({ t: 'op', op: two, at: i });
      i += 2;
      continue;
    }
    if (c === '(' || c === ')') {
      out.push({ t: c, at: i });
      i++;
      continue;
    }
    if (c === '$') {
      const m = /^\$(\w+)/.exec(text.slice(i, i + 300));
      if (!m) throw new ExpressionSyntaxError(`unexpected "$" at ${i + 1}`);
      out.push({ t: 'var', name: m[1], at: i });
      i += m[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new ExpressionSyntaxError(`unterminated string at ${i + 1}`);
      out.push({ t: 'str', value: text.slice(i + 1, end), at: i });
      i = end + 1;
      continue;
    }
    if (c === '/') {
      const m = /^\/((?:[^/\\]|\\.)+)\/([ismU]*)/s.exec(text.slice(i));
      if (!m) throw new ExpressionSyntaxError(`invalid regular expression at ${i + 1}`);
      out.push({ t: 're', source: m[1].replace(/\\\//g, '/'), flags: m[2], at: i });
      i += m[0].length;
      continue;
    }
    if (text.startsWith('null', i) && !/\w/.test(text[i + 4] ?? '')) {
      out.push({ t: 'null', at: i });
      i += 4;
      continue;
    }
    throw new ExpressionSyntaxError(`unexpected "${c}" at ${i + 1}`);
  }
  return out;
}
