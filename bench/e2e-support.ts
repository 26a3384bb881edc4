// Shared helpers for the end-to-end benchmarks (bench/e2e-*.ts, bench/run-vs-gitlab-ci-local.ts):
// pipeline generators (.gitlab-ci.yml text), percentiles, temp dirs, small argv parsing.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function percentiles(samples: number[]): Percentiles {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  return { n: s.length, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: s[s.length - 1] ?? NaN };
}

export function fmtMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;
}

export function fmtPercentiles(label: string, samples: number[]): string {
  const p = percentiles(samples);
  return `${label}: n=${p.n} p50=${fmtMs(p.p50)} p95=${fmtMs(p.p95)} p99=${fmtMs(p.p99)} max=${fmtMs(p.max)}`;
}

/** `--name value` from argv, else the default. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

export function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeProject(dir: string, yaml: string, files: Record<string, string> = {}): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, '.gitlab-ci.yml'), yaml);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const stageNames = (n: number) => Array.from({ length: n }, (_, i) => `s${i}`);

/** `stages × perStage` jobs running `script`, stage-ordered (no needs). */
export function stageOrderedYaml(o: { stages: number; perStage: number; script?: string; variables?: Record<string, string> }): string {
  const stages = stageNames(o.stages);
  const out = [`stages: [${stages.join(', ')}]`];
  if (o.variables) out.push('variables:', ...Object.entries(o.variables).map(([k, v]) => `  ${k}: "${v}"`));
  out.push('');
  for (const [si, stage] of stages.entries()) {
    for (let j = 0; j < o.perStage; j++) out.push(`job-${si}-${j}:`, `  stage: ${stage}`, `  script: ["${o.script ?? 'true'}"]`, '');
  }
  return out.join('\n');
}

/**
 * `stages × perStage` jobs with a `needs` DAG: a job of stage s>0 needs up to `fanIn` jobs of
 * stage s-1 (j, j+1, … mod perStage), so every job starts as soon as its own needs are done.
 */
export function needsDagYaml(o: { stages: number; perStage: number; fanIn?: number; script?: string; variables?: Record<string, string> }): string {
  const stages = stageNames(o.stages);
  const fanIn = Math.min(o.fanIn ?? 2, o.perStage);
  const out = [`stages: [${stages.join(', ')}]`];
  if (o.variables) out.push('variables:', ...Object.entries(o.variables).map(([k, v]) => `  ${k}: "${v}"`));
  out.push('');
  for (const [si, stage] of stages.entries()) {
    for (let j = 0; j < o.perStage; j++) {
      out.push(`job-${si}-${j}:`, `  stage: ${stage}`, `  script: ["${o.script ?? 'true'}"]`);
      if (si === 0) out.push('  needs: []');
      else out.push(`  needs: [${Array.from({ length: fanIn }, (_, k) => `job-${si - 1}-${(j + k) % o.perStage}`).join(', ')}]`);
      out.push('');
    }
  }
  return out.join('\n');
}

/** Node and machine, for the header of every figure. */
export function machine(): string {
  return `node ${process.version}, ${os.cpus().length} vCPU (${os.cpus()[0]?.model.trim() ?? '?'}), load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`;
}

/**
 * The 1,000-job file of bench/compile.ts: 200 build + 50×4 matrix + 500 test + 100 deploy, with
 * 3-level extends chains, rules:if, parallel:matrix and needs.
 */
export function compileBenchYaml(): string {
  const out: string[] = [
    'stages: [build, test, deploy]',
    'variables:',
    '  GLOBAL: "1"',
    'workflow:',
    '  rules:',
    '    - if: $CI_PIPELINE_SOURCE == "push" || $CI_PIPELINE_SOURCE == "web"',
    '.base:',
    '  image: alpine:3.20',
    '  before_script: [echo base]',
    '  retry: 1',
    '  variables: {LEVEL: base, KEEP: "yes"}',
    '.mid:',
    '  extends: .base',
    '  tags: [linux, docker]',
    '  cache: {key: "deps-$CI_COMMIT_REF_SLUG", paths: [vendor/]}',
    '  variables: {LEVEL: mid}',
    '.leaf:',
    '  extends: .mid',
    '  interruptible: true',
    '  rules:',
    '    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $SKIP != "true"',
    '    - if: $CI_COMMIT_TAG =~ /^v\\d+/',
    '      when: manual',
    '    - when: on_success',
  ];
  for (let i = 0; i < 200; i++) out.push(`build-${i}:`, '  extends: .leaf', '  stage: build', `  script: [make part-${i}]`, '  artifacts: {paths: [out/]}');
  for (let i = 0; i < 50; i++) {
    out.push(`matrix-${i}:`, '  extends: .mid', '  stage: test', '  script: [echo $OS $ARCH]', `  needs: [build-${i}]`, '  parallel:', '    matrix:', '      - OS: [linux, mac]', '        ARCH: [x64, arm]');
  }
  for (let i = 0; i < 500; i++) {
    out.push(`test-${i}:`, '  extends: .leaf', '  stage: test', `  script: [make test-${i}]`, `  needs: [build-${i % 200}, {job: build-${(i + 1) % 200}, artifacts: false}]`);
  }
  for (let i = 0; i < 100; i++) {
    out.push(
      `deploy-${i}:`,
      '  extends: .mid',
      '  stage: deploy',
      `  script: [./deploy ${i}]`,
      '  rules:',
      '    - if: ($CI_COMMIT_BRANCH == "main" || $FORCE) && $CI_PIPELINE_SOURCE != "schedule"',
      `  needs: [test-${i}, {job: matrix-${i % 50}, parallel: {matrix: [{OS: linux, ARCH: x64}]}}]`,
      `  environment: {name: "env-${i}/$CI_COMMIT_REF_SLUG"}`,
    );
  }
  return `${out.join('\n')}\n`;
}
