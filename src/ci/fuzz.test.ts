// Fuzz: random mutations of valid files (and hand-made hostile inputs) give diagnostics, never a
// crash, an internal error or a hang. Deterministic (seeded), bounded count.
import { describe, expect, it } from 'vitest';
import { compile, filesFromMap, type PipelinePlan } from './index.js';
import { baseContext, loadFixtures } from './test-support/fixtures.js';
import { rng } from './test-support/rng.js';


const TOKENS = [
  '!reference [', '!reference [.x, script]', '<<: *a', '&a', '*a', '${', '$[[ inputs.x ]]', '$[[ matrix.A ]]', '[', ']', '{', '}', ':', '- ', '"', "'",
  'needs: [a]', 'needs: [b, {job: c, optional: true}]', 'extends: .x', 'extends: [a, b]', 'parallel: 300', 'parallel: {matrix: [{A: [1, 2]}]}',
  'rules: [{if: "$A == "}]', 'rules: [{if: $A =~ /(/}]', 'when: delayed', 'start_in: x', 'include: x.yml', 'include: {local: "*.yml"}',
  'stage: nope', 'script: {}', 'tags: 3', '\t', '~', 'null', '? complex', '--- ', '...', '%YAML 1.1', '!!binary', '0x1F', '<<: [*a, *b]',
];

function mutate(text: string, r: () => number): string {
  const lines = text.split('\n');
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * Math.max(1, lines.length));
    switch (Math.floor(r() * 8)) {
      case 0:
        lines.splice(at, 1);
        break;
      case 1:
        lines.splice(at, 0, lines[Math.floor(r() * lines.length)] ?? '');
        break;
      case 2: {
        const b = Math.floor(r() * lines.length);
        [lines[at], lines[b]] = [lines[b], lines[at]];
        break;
      }
      case 3:
        lines[at] = `${' '.repeat(Math.floor(r() * 6))}${TOKENS[Math.floor(r() * TOKENS.length)]}`;
        break;
      case 4: {
        const l = lines[at] ?? '';
        const p = Math.floor(r() * (l.length + 1));
        lines[at] = l.slice(0, p) + TOKENS[Math.floor(r() * TOKENS.length)] + l.slice(p);
        break;
      }
      case 5:
        lines[at] = (lines[at] ?? '').replace(/^\s*/, (m) => (r() < 0.5 ? m + ' ' : m.slice(1)));
        break;
      case 6:
        lines.length = Math.max(1, at);
        break;
      default: {
        const l = lines[at] ?? '';
        const p = Math.floor(r() * l.length);
        lines[at] = l.slice(0, p) + String.fromCharCode(32 + Math.floor(r() * 95)) + l.slice(p + 1);
      }
    }
  }
  return lines.join('\n');
}

function check(plan: PipelinePlan): void {
  expect(Array.isArray(plan.errors)).toBe(true);
  expect(plan.errors.filter((e) => e.message.startsWith('internal compiler error'))).toEqual([]);
  for (const d of plan.errors) {
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(typeof d.file).toBe('string');
  }
  expect(() => JSON.stringify(plan)).not.toThrow();
}

describe('fuzz', () => {
  const fixtures = loadFixtures();

  it('random mutations of every fixture never crash', () => {
    const r = rng(20240611);
    let runs = 0;
    let withDiagnostics = 0;
    for (let round = 0; round < 8; round++) {
      for (const fx of fixtures) {
        const files = { ...fx.files };
        const target = Object.keys(files)[Math.floor(r() * Object.keys(files).length)];
        files[target] = mutate(files[target], r);
        const plan = compile({ files: filesFromMap(files), context: baseContext });
        check(plan);
        if (plan.errors.length + plan.warnings.length > 0) withDiagnostics++;
        runs++;
      }
    }
    expect(runs).toBeGreaterThanOrEqual(400);
    // Mutations mostly break something: the compiler must say so, with a position.
    expect(withDiagnostics).toBeGreaterThan(runs / 3);
  });

  const hostile: Record<string, Record<string, string>> = {
    'billion laughs': {
      '.gitlab-ci.yml': ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 12 }, (_, i) => `l${i + 1}: &l${i + 1} [${Array(9).fill(i === 0 ? '*a' : `*l${i}`).join(',')}]`), 'job:', '  script: *l12'].join('\n'),
    },
    'deep nesting': { '.gitlab-ci.yml': `job:\n  script: echo\n  variables: ${'['.repeat(2000)}${']'.repeat(2000)}\n` },
    'deep block nesting': { '.gitlab-ci.yml': `job:\n  script: echo\n  variables:\n${Array.from({ length: 400 }, (_, i) => `${' '.repeat(4 + i)}k${i}:`).join('\n')}\n` },
    'file too large': { '.gitlab-ci.yml': `job:\n  script: echo\n#${'x'.repeat(5 * 1024 * 1024)}\n` },
    'self include': { '.gitlab-ci.yml': 'include: .gitlab-ci.yml\njob:\n  script: echo\n' },
    'include cycle': { '.gitlab-ci.yml': 'include: a.yml\njob:\n  script: echo\n', 'a.yml': 'include: b.yml\n', 'b.yml': 'include: [a.yml, "*.yml"]\n' },
    'long extends chain': { '.gitlab-ci.yml': `${Array.from({ length: 3000 }, (_, i) => `.e${i}:\n  extends: .e${i + 1}`).join('\n')}\n.e3000:\n  script: echo\njob:\n  extends: .e0\n` },
    'reference chain': { '.gitlab-ci.yml': `${Array.from({ length: 500 }, (_, i) => `.r${i}:\n  script: !reference [.r${i + 1}, script]`).join('\n')}\n.r500:\n  script: [echo]\njob:\n  script: !reference [.r0, script]\n` },
    'huge matrix': { '.gitlab-ci.yml': `job:\n  script: echo\n  parallel:\n    matrix:\n${Array.from({ length: 50 }, () => `      - A: [${Array.from({ length: 50 }, (_, i) => i).join(',')}]\n        B: [${Array.from({ length: 50 }, (_, i) => i).join(',')}]`).join('\n')}\n` },
    'many needs': { '.gitlab-ci.yml': Array.from({ length: 300 }, (_, i) => `j${i}:\n  script: echo\n  needs: [${Array.from({ length: 40 }, (_, k) => `j${(i + k + 1) % 300}`).join(', ')}]`).join('\n') },
    'pathological regex': { '.gitlab-ci.yml': `variables:\n  X: "${'a'.repeat(20000)}!"\njob:\n  script: echo\n  rules:\n    - if: $X =~ /^(a+)+$/\n` },
    'binary garbage': { '.gitlab-ci.yml': String.fromCharCode(...Array.from({ length: 2000 }, (_, i) => (i * 7919) % 256)) },
    'proto keys': { '.gitlab-ci.yml': '__proto__:\n  script: echo\nconstructor:\n  script: echo\njob:\n  script: echo\n  variables:\n    __proto__: x\n' },
  };
  for (const [name, files] of Object.entries(hostile)) {
    it(`hostile input: ${name}`, () => {
      check(compile({ files: filesFromMap(files), context: baseContext }));
    });
  }
});
