// `include: project` with an in-memory resolver: a `local:` include inside a file of another project
// reads that project at the include's ref, not the including project.
import { describe, expect, it } from 'vitest';
import { compile, filesFromMap, type CompileOptions } from './index.js';
import { baseContext } from './test-support/fixtures.js';

const other: Record<string, string> = {
  'shared/templates/ci.yml@v1': 'include:\n  - local: /parts/lint.yml\n  - local: parts/glob-*.yml\nbuild:\n  script: [make]\n',
  'shared/templates/parts/lint.yml@v1': 'include: { file: nested.yml }\nlint:\n  script: [lint-from-templates-v1]\n',
  'shared/templates/nested.yml@v1': 'nested:\n  script: [nested-from-templates-v1]\n',
  'shared/templates/parts/lint.yml': 'lint:\n  script: [lint-from-templates-main]\n',
};
const resolver: CompileOptions['externalInclude'] = (kind, location) => (kind === 'project' ? other[location] : undefined);

describe('include: project, nested local includes', () => {
  it('resolve in the included project at its ref', () => {
    const files = filesFromMap({
      '.gitlab-ci.yml': 'include:\n  - project: shared/templates\n    ref: v1\n    file: ci.yml\n',
      // the including project has files of the same names: they must not be used
      'parts/lint.yml': 'lint:\n  script: [lint-from-app]\n',
      'nested.yml': 'nested:\n  script: [nested-from-app]\n',
    });
    const plan = compile({ files, context: baseContext, externalInclude: resolver });
    const script = (name: string) => plan.jobs.find((j) => j.name === name)?.script;
    expect(script('lint')).toEqual(['lint-from-templates-v1']);
    expect(script('nested')).toEqual(['nested-from-templates-v1']);
    expect(script('build')).toEqual(['make']);
    // a wildcard cannot be listed through the resolver: a clear error, not the app's files
    expect(plan.errors.map((e) => e.message)).toEqual([expect.stringMatching(/wildcard paths are not supported in a file included from project `shared\/templates`/)]);
  });
});
