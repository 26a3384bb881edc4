// Bundles the command line into dist/bundle/ (esbuild, ESM with code splitting): what the `bin`
// entries of package.json run. Loading ~600 separate modules cost `run` most of its start-up
// (module resolution and per-file compile); one file per entry plus shared chunks loads in a
// fraction of that. The three entries stay separate files because they are started separately:
// main.js (the CLI), runner-child.js (forked by `run` for the built-in runner, found next to the
// code that forks it) and compile-worker.js (the compile pool's worker thread). They and their
// chunks sit flat in one folder at the depth of dist/server, so the paths computed from
// import.meta.url (../../web/dist for the UI) hold as in the tsc build.
//
//   node scripts/bundle.mjs            (npm run build runs it after tsc)
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const outdir = path.join(root, 'dist', 'bundle');
rmSync(outdir, { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts', 'src/cli/runner-child.ts', 'src/server/compile-worker.ts'],
  outdir,
  entryNames: '[name]',
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  // Native addons and what only loads them: resolved from node_modules at run time.
  external: ['better-sqlite3', 'pg-native', 'cpu-features', 'ssh2'],
  // Bundled CommonJS packages call require() for Node's built-ins: give ESM chunks one.
  banner: { js: "import { createRequire as __gcdCreateRequire } from 'node:module'; const require = __gcdCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'none',
});
