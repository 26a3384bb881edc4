// The `rules:if` expression language: parse once, evaluate against variables. No eval, ever.
export { ExpressionSyntaxError } from './lexer.js';
export { parseExpression, type Expr } from './parser.js';
export { evaluateExpression, type VariableLookup } from './evaluate.js';
export { compilePattern, splitPattern } from './regex.js';
