// rules:if expression language: GitLab's precedence, RE2 matching, syntax errors.
import { describe, expect, it } from 'vitest';
import { evaluateExpression, ExpressionSyntaxError, parseExpression } from './index.js';

const vars: Record<string, string> = {
  BRANCH: 'main',
  EMPTY: '',
  ENV: 'production',
  PATTERN: '/^prod/',
  PLAIN: 'prod',
  SLASHED: 'a/b',
  ML: 'line1\nline2',
};
const run = (text: string) => evaluateExpression(parseExpression(text), (n) => vars[n]);

describe('rules:if expressions', () => {
  const cases: [string, boolean][] = [
    ['$BRANCH', true],
    ['$EMPTY', false],
    ['$UNDEFINED', false],
    ['$BRANCH == "main"', true],
    ["$BRANCH == 'main'", true],
    ['$BRANCH != "main"', false],
    ['"main" == $BRANCH', true],
    ['$UNDEFINED == null', true],
    ['$EMPTY == null', false],
    ['$EMPTY == ""', true],
    ['null == null', true],
    ['$BRANCH == $BRANCH', true],
    ['$ENV =~ /^prod/', true],
    ['$ENV =~ /^PROD/', false],
    ['$ENV =~ /^PROD/i', true],
    ['$ENV !~ /^prod/', false],
    ['$ENV =~ /duct/', true],
    ['$ENV =~ $PATTERN', true],
    ['$ENV =~ $PLAIN', false],
    ['$ENV !~ $PLAIN', true],
    ['$SLASHED =~ /a\\/b/', true],
    ['$ML =~ /line1.line2/', false],
    ['$ML =~ /line1.line2/m', true],
    ['$UNDEFINED =~ /^$/', true],
    // && binds tighter than ||
    ['$UNDEFINED || $BRANCH && $EMPTY', false],
    ['$BRANCH || $UNDEFINED && $EMPTY', true],
    ['($BRANCH || $UNDEFINED) && $EMPTY', false],
    ['$EMPTY && $BRANCH || $ENV', true],
    ['$BRANCH == "main" && ($ENV == "x" || $ENV == "production")', true],
    ['(($BRANCH))', true],
    ['$BRANCH=="main"&&$ENV=="production"', true],
  ];
  for (const [text, expected] of cases) {
    it(`${text} -> ${expected}`, () => expect(run(text)).toBe(expected));
  }

  const invalid = ['', '$A ==', '$A = "x"', '${A} == "x"', '$A == "x" &&', '($A', '$A )', '$A =~ /[/', '"unterminated', '$A == x', '$A === "x"', 'eval("x")'];
  for (const text of invalid) {
    it(`rejects ${JSON.stringify(text)}`, () => expect(() => parseExpression(text)).toThrow(ExpressionSyntaxError));
  }

  it('is linear on a pathological pattern (RE2)', () => {
    const long = 'a'.repeat(5000);
    expect(evaluateExpression(parseExpression('$X =~ /(a+)+!$/'), () => `${long}!`)).toBe(true);
    expect(evaluateExpression(parseExpression('$X =~ /^(a+)+$/'), () => `${long}!`)).toBe(false);
  });

  it('bounds nesting depth', () => {
    expect(() => parseExpression(`${'('.repeat(100)}$A${')'.repeat(100)}`)).toThrow(ExpressionSyntaxError);
  });
});
