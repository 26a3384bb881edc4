// The real-world corpus (../shared/corpus): every valid file compiles with no error other than
// "not available offline"; files GitLab rejects are rejected with a position; nothing crashes.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { compile, formatDiagnostic, type CompileContext, type PipelinePlan } from './index.js';
import { projectFilesFromDir } from '../cli/project-files-from-dir.js';

const CORPUS = new URL('../../../shared/corpus/', import.meta.url).pathname;
const FIRECOW = 'firecow__gitlab-ci-local__test-cases';
const OFFLINE = /is not available offline/;

/** Corpus files GitLab's documented behaviour rejects although MANIFEST does not mark them INVALID. */
const GITLAB_REJECTS: Record<string, string> = {
  '0HugoHu__Harry-Potter-Strategy-Game/.gitlab-ci.yml': '`coverage` is a job keyword, not an `artifacts` one (artifacts config contains unknown keys)',
};

/** gitlab-ci-local fixtures that exist to test an error; GitLab rejects them too. */
const FIRECOW_INVALID: Record<string, string> = {
  'cache-docker-mount/.gitlab-ci.yml': 'cache:key "maven/" (GitLab: cache:key config cannot contain the "/" character)',
  'cache-key-invalid-files/.gitlab-ci-empty.yml': 'cache:key:files needs one or two paths',
  'cache-key-invalid-files/.gitlab-ci-three.yml': 'cache:key:files needs one or two paths',
  'completion/.gitlab-ci.yml': 'includes a local file that does not exist',
  'dependencies-not-found/.gitlab-ci.yml': 'dependency on an undefined job',
  'include-invalid-local/.gitlab-ci.yml': 'includes a local file that does not exist',
  'include-nested/.151-nested-include-gitlab-ci.yml': 'more than 150 includes',
  'invalid-stages/.gitlab-ci.yml': 'stages is not an array of strings',
  'needs-contains-dependencies/.gitlab-ci.yml': 'dependencies must be part of needs',
  'needs-empty-entry/.gitlab-ci.yml': 'a null entry in needs',
  'needs-invalid-stage/.gitlab-ci.yml': 'need on a later stage',
  'needs-parallel-matrix-error/.gitlab-ci.yml': 'needs:parallel:matrix names a job instance that does not exist',
  'needs-parallel-matrix-expressions/.gitlab-ci.yml': 'partial matrix selector: GitLab builds the need name from the given values only',
  'needs-parallel-matrix-expressions-non-parallel-consumer/.gitlab-ci.yml': '$[[ matrix.X ]] in a job without a matrix stays literal',
  'needs-parallel-matrix-expressions-unknown-identifier/.gitlab-ci.yml': 'unknown matrix identifier',
  'needs-parallel-matrix-static/.gitlab-ci.yml': 'partial matrix selector: GitLab builds the need name from the given values only',
  'needs-unspecified-job/.gitlab-ci.yml': 'need on an undefined job',
  'never-needs/.gitlab-ci.yml': 'need on a job excluded by rules, not optional',
  'no-script/.gitlab-ci.yml': 'job without script',
  'preview/.gitlab-ci-base.yml': 'include-only file without visible jobs',
  'reference/.gitlab-ci-base.yml': 'include-only file without visible jobs',
  'reference/.gitlab-ci-issue-899-base.yml': 'include-only file without visible jobs',
  'reference/.gitlab-ci-issue-899-other.yml': 'include-only file without visible jobs',
  'reference-circular-chain/.gitlab-ci.yml': 'circular !reference',
  'rules-curly-bracket-if/.gitlab-ci.yml': '${VAR} is not valid in rules:if (GitLab lexes $VAR only)',
  'schema-validation/.gitlab-ci-4-errors.yml': 'variables: true',
  'schema-validation/.gitlab-ci-5-errors.yml': 'variables: true',
  'schema-validation/.gitlab-ci-6-errors.yml': 'variables: true',
  'schema-validation/.gitlab-ci.yml': 'unknown key and bad when',
  'script-blank/.gitlab-ci.yml': 'script: [] (script can\'t be blank)',
  'self-dependency/.gitlab-ci.yml': 'a job that needs itself',
  'services/.gitlab-ci.yml': '!reference into an array index (GitLab references hash keys only)',
  'stage-not-found/.gitlab-ci.yml': 'unknown stage',
  'when/.gitlab-ci.yml': 'job-level when: never',
};

interface Target {
  id: string;
  dir: string;
  configPath: string;
  expect: 'valid' | 'invalid';
  allowMissingLocal: boolean;
  variables: Record<string, string>;
}

const context = (branch: string, variables: Record<string, string>): CompileContext => ({
  ref: branch,
  isTag: false,
  sha: '0123456789abcdef0123456789abcdef01234567',
  source: 'push',
  defaultBranch: branch,
  projectPath: 'group/project',
  changedFiles: null,
  variables,
});

/** gitlab-ci-local's project variables file (simple `KEY: value` and `{values: {"*": v}}`). */
function localVariables(dir: string): Record<string, string> {
  const file = join(dir, '.gitlab-ci-local-variables.yml');
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  const data = parse(readFileSync(file, 'utf8')) as Record<string, unknown> | null;
  for (const [k, v] of Object.entries(data ?? {})) {
    if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
    else if (v && typeof v === 'object' && 'values' in v) {
      const star = (v as { values: Record<string, unknown> }).values['*'];
      if (typeof star === 'string') out[k] = star;
    }
  }
  return out;
}

function targets(): Target[] {
  const out: Target[] = [];
  const manifest = readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1);
  for (const row of manifest) {
    const [folder, , , , , , notes = ''] = row.split('\t');
    if (folder === FIRECOW) continue;
    const id = `${folder}/.gitlab-ci.yml`;
    out.push({
      id,
      dir: join(CORPUS, folder),
      configPath: '.gitlab-ci.yml',
      expect: notes.startsWith('INVALID') || GITLAB_REJECTS[id] ? 'invalid' : 'valid',
      allowMissingLocal: /not stored|not copied/.test(notes),
      variables: {},
    });
  }
  const cases = join(CORPUS, FIRECOW, 'tests/test-cases');
  for (const name of readdirSync(cases).sort()) {
    const dir = join(cases, name);
    if (!statSync(dir).isDirectory()) continue;
    for (const file of readdirSync(dir).sort()) {
      if (!/^\.[\w.-]*gitlab-ci[\w.-]*\.ya?ml$/.test(file) || file.includes('gitlab-ci-local-')) continue;
      const id = `${name}/${file}`;
      out.push({ id: `${FIRECOW}/${id}`, dir, configPath: file, expect: FIRECOW_INVALID[id] ? 'invalid' : 'valid', allowMissingLocal: false, variables: localVariables(dir) });
    }
  }
  return out;
}

const available = existsSync(join(CORPUS, 'MANIFEST.tsv'));
const counts = { compiled: 0, valid: 0, validClean: 0, invalid: 0, invalidRejected: 0 };

describe.skipIf(!available)('real-world corpus', () => {
  if (!available) console.warn(`corpus test skipped: ${CORPUS} not found`);
  const list = available ? targets() : [];

  it('has the corpus', () => {
    expect(list.length).toBeGreaterThan(250);
  });

  for (const t of list) {
    it(`${t.expect}: ${t.id}`, () => {
      const plans: PipelinePlan[] = [];
      for (const branch of ['master', 'main']) {
        plans.push(compile({ configPath: t.configPath, files: projectFilesFromDir(t.dir), context: context(branch, t.variables) }));
      }
      counts.compiled++;
      for (const plan of plans) {
        expect(plan.errors.filter((e) => e.message.startsWith('internal compiler error'))).toEqual([]);
        for (const d of [...plan.errors, ...plan.warnings]) {
          expect(d.line).toBeGreaterThanOrEqual(1);
          expect(d.column).toBeGreaterThanOrEqual(1);
        }
      }
      const plan = plans[0];
      if (t.expect === 'valid') {
        counts.valid++;
        const unexpected = plan.errors.filter((e) => !OFFLINE.test(e.message) && !(t.allowMissingLocal && /^Local file `.*` does not exist!$/.test(e.message)));
        expect(unexpected.map(formatDiagnostic)).toEqual([]);
        counts.validClean++;
      } else {
        counts.invalid++;
        expect(plan.errors.length).toBeGreaterThan(0);
        expect(plan.errors[0].file.length).toBeGreaterThan(0);
        counts.invalidRejected++;
      }
    });
  }

  afterAll(() => {
    console.log(`corpus: ${counts.compiled} files compiled; ${counts.validClean}/${counts.valid} valid files without errors (other than offline includes); ${counts.invalidRejected}/${counts.invalid} invalid files rejected with a position`);
  });
});
