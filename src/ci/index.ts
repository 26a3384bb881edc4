// Public surface of the .gitlab-ci.yml compiler.
export * from './plan.js';
export { compile } from './compile.js';
export { formatDiagnostic } from './diagnostics.js';
export { planToLintJson, type LintJson } from './lint-json.js';
export { filesFromMap } from './files-from-map.js';
export { parseExpression, evaluateExpression, ExpressionSyntaxError, type Expr } from './expression/index.js';
export { expandVariables, predefinedVariables, refSlug } from './variables.js';
export { globMatcher } from './glob.js';
