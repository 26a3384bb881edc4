// Bundles the command line into dist/bundle/ (esbuild): what the `bin` entries of package.json
// run. Loading ~600 separate ES modules cost `run` most of its start-up (module resolution and
// per-file compiling); one CommonJS file per entry, run through a V8 code cache
// (scripts/bundle-loader.cjs), loads in a fraction of that.
//
//   dist/bundle/package.json          {"type": "commonjs"} for this folder
//   dist/bundle/load.js               the loader (scripts/bundle-loader.cjs)
//   dist/bundle/main.js               the CLI (bin)                  ─┐ stubs: load code/<name>.js
//   dist/bundle/runner-child.js       forked by `run` for its runner  ├ as if it were them
//   dist/bundle/compile-worker.js     the compile pool's worker      ─┘
//   dist/bundle/code/<name>.js        the bundles (and code/lint.js: `lint` alone, which the main
//                                     stub loads when the first argument is `lint`)
//
// The stubs sit flat in one folder at the depth of dist/server, so what the code computes from
// import.meta.url (the runner child and the compile worker next to it, ../../web/dist for the
// UI) holds as in the tsc build.
//
//   node scripts/bundle.mjs            (npm run build runs it after tsc)
import { build } from 'esbuild';
import { chmodSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const outdir = path.join(root, 'dist', 'bundle');
rmSync(outdir, { recursive: true, force: true });
mkdirSync(path.join(outdir, 'code'), { recursive: true });

const entries = { main: 'src/cli/main.ts', 'runner-child': 'src/cli/runner-child.ts', 'compile-worker': 'src/server/compile-worker.ts' };
// `lint` alone: the compiler and the lint command, a tenth of main's code to load (the main stub
// picks it when the first argument is `lint`).
const extraBundles = { lint: 'src/cli/lint-main.ts' };

await build({
  absWorkingDir: root,
  entryPoints: { ...entries, ...extraBundles },
  outdir: path.join(outdir, 'code'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // Native addons and what only loads them: resolved from node_modules at run time.
  external: ['better-sqlite3', 'pg-native', 'cpu-features', 'ssh2'],
  // import.meta.url is the stub's URL (the loader runs the bundle with the stub's __filename).
  define: { 'import.meta.url': '__gcdImportMetaUrl' },
  banner: { js: "const __gcdImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
  legalComments: 'none',
  // Less to read, hash and deserialize at every start (7.8 MB -> 5.1 MB for main: `--version`
  // 14% faster). Names are kept (no identifier minification): stack traces stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
});

writeFileSync(path.join(outdir, 'package.json'), '{ "type": "commonjs" }\n');
copyFileSync(path.join(root, 'scripts', 'bundle-loader.cjs'), path.join(outdir, 'load.js'));
for (const name of Object.keys(entries)) {
  const stub = path.join(outdir, `${name}.js`);
  const which = name === 'main' ? `process.argv[2] === 'lint' ? 'lint' : 'main'` : JSON.stringify(name);
  writeFileSync(stub, `${name === 'main' ? '#!/usr/bin/env node\n' : ''}'use strict';\nrequire('./load.js')(${which}, __filename);\n`);
  if (name === 'main') chmodSync(stub, 0o755);
}
