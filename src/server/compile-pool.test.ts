// The compile pool: same plans as the inline compiler (files and external includes read over the
// channel; the round trip's cost is measured by bench/compile-pool.ts), the main loop free while a big one compiles, and the
// time and memory budgets coming back as invalid configurations, the pool still working after.
import { afterAll, describe, expect, it } from 'vitest';
import { compile, filesFromMap, type CompileOptions } from '../ci/index.js';
import { baseContext } from '../ci/test-support/fixtures.js';
import { createCompilePool } from './compile-pool.js';

const pools: { close(): Promise<void> }[] = [];
const pool = (opts: Parameters<typeof createCompilePool>[0] = {}) => {
  const p = createCompilePool(opts);
  pools.push(p);
  return p;
};
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

const SMALL = 'stages: [build, test]\ninclude: [ci/a.yml, { template: T.yml }]\nbuild:\n  stage: build\n  script: [make]\ntest:\n  stage: test\n  script: [make test]\n  needs: [build]\n  rules:\n    - exists: [src/*.c]\n';
const smallOptions = (): CompileOptions => ({
  files: filesFromMap({ '.gitlab-ci.yml': SMALL, 'ci/a.yml': 'lint:\n  stage: test\n  script: [lint]\n', 'src/main.c': 'int main;' }),
  externalInclude: (kind, location) => (kind === 'template' && location === 'T.yml' ? 'tpl:\n  stage: build\n  script: [tpl]\n' : undefined),
  context: baseContext,
});

function bigConfig(jobs: number): string {
  let yaml = 'stages: [a, b]\n';
  for (let i = 0; i < jobs; i++) yaml += `j${i}:\n  stage: ${i < 10 ? 'a' : 'b'}\n  script: [echo ${i}]\n${i >= 10 ? `  needs: [${Array.from({ length: 10 }, (_, k) => `j${k}`).join(', ')}]\n` : ''}`;
  return yaml;
}

describe('compile pool', () => {
  it('gives the inline compiler\'s plan (includes, templates, exists read through the channel)', async () => {
    const p = pool();
    const plan = await p.compile(smallOptions());
    expect(plan.errors).toEqual([]);
    expect(plan.jobs.map((j) => j.name).sort()).toEqual(['build', 'lint', 'test', 'tpl']);
    expect(plan).toEqual(compile(smallOptions()));
  });

  it('keeps the main event loop free while a big config compiles', async () => {
    const p = pool();
    await p.compile(smallOptions()); // warm
    const yaml = bigConfig(1500);
    let worst = 0;
    let last = performance.now();
    const tick = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
    }, 5);
    const started = performance.now();
    const plan = await p.compile({ files: filesFromMap({ '.gitlab-ci.yml': yaml }), context: baseContext });
    const took = performance.now() - started;
    clearInterval(tick);
    console.log(`[compile-pool] 1500 jobs x 10 needs: ${took.toFixed(0)} ms in the worker, worst main-loop gap ${worst.toFixed(1)} ms`);
    expect(plan.errors).toEqual([]);
    expect(plan.jobs).toHaveLength(1500);
    expect(worst).toBeLessThan(Math.max(100, took / 4));
  });

  it('a compile over the time budget is an invalid configuration; the pool goes on', async () => {
    const p = pool({ timeoutMs: 100, size: 1 });
    const slow = await p.compile({ files: filesFromMap({ '.gitlab-ci.yml': bigConfig(1900) }), context: baseContext });
    expect(slow.errors).toEqual([{ file: '.gitlab-ci.yml', line: 1, column: 1, severity: 'error', message: 'The configuration took too long to process (limit: 0.1 s)' }]);
    expect(slow.jobs).toEqual([]);
    const next = await p.compile({ ...smallOptions() });
    expect(next.errors).toEqual([]);
  });

  it('a compile over the memory budget is an invalid configuration; the pool goes on', async () => {
    const p = pool({ maxMemoryMb: 24, size: 1, timeoutMs: 60_000 });
    // 150 includes of ~1 MB of distinct script lines each: far more than 24 MB once parsed.
    const files: Record<string, string> = { '.gitlab-ci.yml': `include: ${JSON.stringify(Array.from({ length: 150 }, (_, i) => `i${i}.yml`))}\njob:\n  script: echo\n` };
    for (let i = 0; i < 150; i++) files[`i${i}.yml`] = `.t${i}:\n  script:\n${Array.from({ length: 4000 }, (_, k) => `    - echo ${i} ${k} ${'x'.repeat(200)}`).join('\n')}\n`;
    const plan = await p.compile({ files: filesFromMap(files), context: baseContext });
    expect(plan.errors).toEqual([{ file: '.gitlab-ci.yml', line: 1, column: 1, severity: 'error', message: 'The configuration needs too much memory to process (limit: 24 MB)' }]);
    const next = await p.compile(smallOptions());
    expect(next.errors).toEqual([]);
  });

  it('a file read that fails on the main thread is an error, not a hang', async () => {
    const p = pool();
    const plan = await p.compile({ files: { read: () => { throw new Error('git cat-file failed'); }, list: () => [] }, context: baseContext });
    expect(plan.errors.map((e) => e.message)).toEqual(['internal compiler error: git cat-file failed']);
  });
});
