// The loader of the bundled CLI (copied to dist/bundle/load.js by scripts/bundle.mjs): runs one
// CommonJS bundle (code/<name>.js) through vm.Script with a V8 code cache, so that only the first
// start of a build pays for parsing and compiling its JavaScript (Node 20 has no
// module.enableCompileCache, which came in 22.1). The cache is V8's own: V8 checks it against
// the source, its version and its flags and rejects a mismatch, and a rejected or missing cache
// is written again; the main bundle keeps one per command (the cache holds what its first run
// compiled), and a usage error writes none. It lives in a directory of the user's
// (~/.cache/gitlab-ci-dispatcher, mode 0700; GCD_COMPILE_CACHE_DIR to choose another), never in
// a shared temp directory.
// GCD_COMPILE_CACHE=0 turns it off. Any failure of the cache falls back to plain compiling.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const vm = require('node:vm');
const crypto = require('node:crypto');
const Module = require('node:module');
const { isMainThread } = require('node:worker_threads');

/** Cache files kept per entry (builds, Node versions and flags side by side). */
const KEEP_PER_ENTRY = 4;

function cacheDir() {
  if (process.env.GCD_COMPILE_CACHE_DIR) return process.env.GCD_COMPILE_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'gitlab-ci-dispatcher', 'v8');
}

/**
 * The cache holds what the run that wrote it compiled, so each command of the main bundle has its
 * own (a `--version` or a mistyped option first must not leave `run` a cache of its top level).
 */
function entryOf(name) {
  if (name !== 'main' || !isMainThread) return name;
  const sub = process.argv[2] ?? '';
  return `main.${/^[a-z][a-z-]{0,19}$/.test(sub) ? sub : 'other'}`;
}

/**
 * Runs dist/bundle/code/<name>.js as if it were the module `stub` (its __filename, require and
 * import.meta.url are the stub's, so paths next to it resolve as in the source tree).
 */
module.exports = function load(name, stub) {
  const file = path.join(__dirname, 'code', `${name}.js`);
  const entry = entryOf(name);
  const text = fs.readFileSync(file, 'utf8');
  const source = text.startsWith('#!') ? `//${text.slice(2)}` : text; // a shebang is no JavaScript
  const useCache = process.env.GCD_COMPILE_CACHE !== '0';
  let cacheFile = null;
  let cachedData;
  if (useCache) {
    try {
      const st = fs.statSync(file);
      const key = crypto.createHash('sha256').update(`${file}\0${st.size}\0${st.mtimeMs}\0${process.version}\0${process.arch}\0${process.execArgv.join(' ')}`).digest('hex').slice(0, 24);
      cacheFile = path.join(cacheDir(), `${entry}-${key}.bin`);
      cachedData = fs.readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
  }
  const script = new vm.Script(Module.wrap(source), {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants && vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const save = () => {
    try {
      const dir = path.dirname(cacheFile);
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const tmp = `${cacheFile}.${process.pid}.${Math.random().toString(36).slice(2)}`;
      fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
      fs.renameSync(tmp, cacheFile);
      // Every build (and every set of Node flags) has its own file: keep the newest few.
      const mine = fs
        .readdirSync(dir)
        .filter((f) => f.startsWith(`${entry}-`) && /^[0-9a-f]{24}\.bin$/.test(f.slice(entry.length + 1)))
        .map((f) => ({ f, t: fs.statSync(path.join(dir, f)).mtimeMs }))
        .sort((a, b) => b.t - a.t);
      for (const old of mine.slice(KEEP_PER_ENTRY)) fs.rmSync(path.join(dir, old.f), { force: true });
    } catch {
      // a read-only home or a full disk: run without a cache
    }
  };
  if (cacheFile && (cachedData === undefined || script.cachedDataRejected)) {
    // The cache then also holds the functions compiled while running (not only the top level).
    // A worker thread may be terminated without an exit event (the compile pool ends its worker
    // with the run): it saves soon after it has started.
    // Not after a usage error (exit status 2): that run compiled next to nothing.
    if (isMainThread) process.once('exit', (code) => code !== 2 && save());
    else setTimeout(save, 100).unref();
  }
  const mod = new Module(stub, module);
  mod.filename = stub;
  mod.paths = Module._nodeModulePaths(path.dirname(stub));
  const run = script.runInThisContext();
  run.call(mod.exports, mod.exports, Module.createRequire(stub), mod, stub, path.dirname(stub));
};
