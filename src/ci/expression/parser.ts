// Recursive-descent parser with GitLab's precedence: comparisons bind tightest, then `&&`,
// then `||`; all left-associative; parentheses group.
import { compilePattern } from './regex.js';
import { ExpressionSyntaxError, tokenize, type Token } from './lexer.js';

export type Expr =
  | { t: 'var'; name: string }
  | { t: 'str'; value: string }
  | { t: 'null' }
  | { t: 're'; source: string; flags: string }
  | { t: 'cmp'; op: '==' | '!=' | '=~' | '!~'; l: Expr; r: Expr }
  | { t: 'and' | 'or'; l: Expr; r: Expr };

const MAX_DEPTH = 50;

export function parseExpression(text: string): Expr {
  const tokens = tokenize(text);
  if (tokens.length === 0) throw new ExpressionSyntaxError('empty expression');
  let i = 0;
  let depth = 0;
  const peek = (): Token | undefined => tokens[i];

  const orExpr = (): Expr => {
    let l = andExpr();
    for (let tk = peek(); tk && tk.t === 'op' && tk.op === '||'; tk = peek()) {
      i++;
      l = { t: 'or', l, r: andExpr() };
    }
    return l;
  };
  const andExpr = (): Expr => {
    let l = cmpExpr();
    for (let tk = peek(); tk && tk.t === 'op' && tk.op === '&&'; tk = peek()) {
      i++;
      l = { t: 'and', l, r: cmpExpr() };
    }
    return l;
  };
  const cmpExpr = (): Expr => {
    let l = primary();
    for (let tk = peek(); tk && tk.t === 'op' && tk.op !== '&&' && tk.op !== '||'; tk = peek()) {
      i++;
      l = { t: 'cmp', op: tk.op, l, r: primary() };
    }
    return l;
  };
  const primary = (): Expr => {
    const tk = tokens[i++];
    if (!tk) throw new ExpressionSyntaxError('unexpected end of expression');
    switch (tk.t) {
      case 'var':
        return { t: 'var', name: tk.name };
      case 'str':
        return { t: 'str', value: tk.value };
      case 'null':
        return { t: 'null' };
      case 're':
        if (!compilePattern(tk.source, tk.flags)) throw new ExpressionSyntaxError('Invalid regular expression!');
        return { t: 're', source: tk.source, flags: tk.flags };
      case '(': {
        if (++depth > MAX_DEPTH) throw new ExpressionSyntaxError('expression is nested too deeply');
        const inner = orExpr();
        const close = tokens[i++];
        if (!close || close.t !== ')') throw new ExpressionSyntaxError('missing ")"');
        depth--;
        return inner;
      }
      default:
        throw new ExpressionSyntaxError(`unexpected token at ${tk.at + 1}`);
    }
  };

  const expr = orExpr();
  if (i < tokens.length) throw new ExpressionSyntaxError(`unexpected token at ${tokens[i].at + 1}`);
  return expr;
}
