// Benchmark: what the compile worker thread (src/server/compile-pool.ts) adds to a small
// `.gitlab-ci.yml` (an include, a template, `needs`, `rules:exists`) once the worker is warm.
//
//   npx tsx bench/compile-pool.ts [--runs 200]
//
// Prints the median and p95 of inline compiles and of pool compiles, and the difference.
import { compile, filesFromMap, type CompileOptions } from '../src/ci/index.js';
import { baseContext } from '../src/ci/test-support/fixtures.js';
import { createCompilePool } from '../src/server/compile-pool.js';
import { arg, fmtMs, machine, percentiles } from './e2e-support.js';

const runs = Number(arg('runs', '200'));
const SMALL = 'stages: [build, test]\ninclude: [ci/a.yml, { template: T.yml }]\nbuild:\n  stage: build\n  script: [make]\ntest:\n  stage: test\n  script: [make test]\n  needs: [build]\n  rules:\n    - exists: [src/*.c]\n';
const options = (): CompileOptions => ({
  files: filesFromMap({ '.gitlab-ci.yml': SMALL, 'ci/a.yml': 'lint:\n  stage: test\n  script: [lint]\n', 'src/main.c': 'int main;' }),
  externalInclude: (kind, location) => (kind === 'template' && location === 'T.yml' ? 'tpl:\n  stage: build\n  script: [tpl]\n' : undefined),
  context: baseContext,
});

async function timeIt(fn: () => unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

const pool = createCompilePool({});
try {
  await pool.compile(options());
  const inline = percentiles(await timeIt(() => compile(options())));
  const worker = percentiles(await timeIt(() => pool.compile(options())));
  console.log(`compile-pool: small config, ${runs} runs each, warm worker; machine: ${machine()}`);
  console.log(`inline: p50 ${fmtMs(inline.p50)}, p95 ${fmtMs(inline.p95)}`);
  console.log(`worker: p50 ${fmtMs(worker.p50)}, p95 ${fmtMs(worker.p95)}`);
  console.log(`worker overhead at p50: ${fmtMs(worker.p50 - inline.p50)}`);
} finally {
  await pool.close();
}
