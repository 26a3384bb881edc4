// Fixture folders: each compiles to the expected plan and diagnostics.
import { describe, expect, it } from 'vitest';
import { compile, filesFromMap, formatDiagnostic, planToLintJson } from './index.js';
import { baseContext, loadFixtures } from './test-support/fixtures.js';

const fixtures = loadFixtures();

describe('compiler fixtures', () => {
  it('has fixture folders', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(40);
  });

  for (const fx of fixtures) {
    it(fx.name, () => {
      const e = fx.expected;
      const plan = compile({ configPath: e.configPath, files: filesFromMap(fx.files), context: { ...baseContext, ...e.context } });
      const lint = planToLintJson(plan);
      // The engine stores the plan as JSON: it must survive a round trip unchanged.
      expect(JSON.parse(JSON.stringify(plan))).toStrictEqual(plan);
      // GitLab's messages exactly; our "did you mean" hints (their own lines) checked apart.
      expect(plan.errors.map((d) => formatDiagnostic({ ...d, hints: undefined })).sort()).toEqual([...e.errors].sort());
      const hints = plan.errors.flatMap((d) => formatDiagnostic(d).split('\n').slice(1));
      expect(hints.sort()).toEqual([...(e.hints ?? [])].sort());
      expect(lint.valid).toBe(e.valid);
      for (const w of e.warnings ?? []) expect(plan.warnings.map((d) => d.message).some((m) => m.includes(w)), `warning containing "${w}" in ${JSON.stringify(plan.warnings)}`).toBe(true);
      if (e.stages) expect(plan.stages).toEqual(e.stages);
      if (e.workflow) expect(plan.workflow).toMatchObject(e.workflow);
      if (e.jobs) {
        expect(lint.jobs.map((j) => j.name)).toEqual(Object.keys(e.jobs));
        for (const [name, partial] of Object.entries(e.jobs)) {
          const job = lint.jobs.find((j) => j.name === name)!;
          for (const [k, v] of Object.entries(partial)) expect(job[k], `${name}.${k}`).toEqual(v);
        }
      }
      for (const [name, partial] of Object.entries(e.plan ?? {})) {
        const job = plan.jobs.find((j) => j.name === name) as unknown as Record<string, unknown> | undefined;
        expect(job, name).toBeDefined();
        for (const [k, v] of Object.entries(partial)) expect(job![k], `${name}.${k}`).toEqual(v);
      }
    });
  }
});
