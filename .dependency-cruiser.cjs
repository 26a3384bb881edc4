// The import directions of ../shared/DESIGN.md ("Modules"), checked in CI by `npm run lint`.
// A module may import only the folders listed for it; test files may import anything.
const allowed = {
  util: [],
  ci: ['util'],
  engine: ['ci', 'store/ports', 'queue/port', 'util'],
  store: ['engine/model', 'ci/plan', 'util'],
  queue: ['store/ports', 'engine/model', 'util'],
  'runner-api': ['engine', 'store/ports', 'artifacts', 'ci/plan', 'util'],
  git: ['engine', 'util', 'ci/plan'],
  artifacts: ['util'],
  api: ['engine', 'store/ports', 'artifacts', 'ci', 'util'],
  rest: ['engine', 'store/ports', 'artifacts', 'util'],
  runner: ['runner-api/protocol', 'util'],
  server: ['ci', 'engine', 'store', 'queue', 'runner-api', 'git', 'artifacts', 'api', 'rest', 'runner', 'util'],
  cli: ['server', 'runner', 'ci', 'util', 'engine/model', 'engine/coordinator', 'runner-api/protocol'],
};

const forbidden = Object.entries(allowed).map(([from, to]) => ({
  name: `${from}-imports`,
  comment: `src/${from} may import only: ${to.join(', ') || 'nothing'} (DESIGN.md)`,
  severity: 'error',
  from: { path: `^src/${from}/`, pathNot: '\\.test(-suite)?\\.ts$|/test-support/' },
  to: {
    path: '^src/',
    pathNot: [`^src/${from}/`, ...to.map((t) => `^src/${t}(/|\\.ts$|$)`)],
  },
}));

module.exports = {
  forbidden: [
    ...forbidden,
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: 'node_modules|dist' },
  },
};
