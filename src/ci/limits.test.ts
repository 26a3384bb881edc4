// GitLab's limits on a configuration, each with GitLab's message and a position; nothing is cut
// silently (an over-long list is an error, not a shorter script).
import { describe, expect, it } from 'vitest';
import { compile, filesFromMap, formatDiagnostic, type ProjectFiles } from './index.js';
import { baseContext } from './test-support/fixtures.js';

const errorsOf = (files: ProjectFiles | Record<string, string>, limits?: Parameters<typeof compile>[0]['limits']) => {
  const plan = compile({ files: 'read' in files ? (files as ProjectFiles) : filesFromMap(files as Record<string, string>), context: baseContext, limits });
  return { plan, errors: plan.errors.map(formatDiagnostic) };
};

/** A billion-laughs file: 9^13 "x" once the aliases are expanded. */
export const ALIAS_BOMB = [
  'a: &a ["x","x","x","x","x","x","x","x","x"]',
  ...Array.from({ length: 12 }, (_, i) => `l${i + 1}: &l${i + 1} [${Array(9).fill(i === 0 ? '*a' : `*l${i}`).join(',')}]`),
  'job:',
  '  script: *l12',
].join('\n');

function bytesFiles(content: Buffer): ProjectFiles {
  return { read: (p) => (p === '.gitlab-ci.yml' ? content.toString('utf8') : undefined), readBytes: (p) => (p === '.gitlab-ci.yml' ? content : undefined), list: () => ['.gitlab-ci.yml'] };
}

describe('parsed YAML size and depth (GitLab: max_yaml_size_bytes 2 MB, max_yaml_depth 100)', () => {
  it('an alias bomb is refused at the alias that passes the size, not cut', () => {
    const { plan, errors } = errorsOf({ '.gitlab-ci.yml': ALIAS_BOMB });
    expect(errors).toEqual(['.gitlab-ci.yml:5:26: error: The parsed YAML is too big']);
    expect(plan.jobs).toEqual([]);
  });

  it('aliases count each time they are used, as GitLab counts them', () => {
    // 4 levels of 9: 6,561 strings, far under 2 MB: valid, and the script has every line.
    const small = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 3 }, (_, i) => `.l${i + 1}: &l${i + 1} [${Array(9).fill(i === 0 ? '*a' : `*l${i}`).join(',')}]`), 'job:', '  script: *l3'].join('\n');
    const { plan, errors } = errorsOf({ '.gitlab-ci.yml': small.replace(/^a:/, '.a:') });
    expect(errors).toEqual([]);
    expect(plan.jobs[0].script).toHaveLength(9 ** 4);
  });

  it('101 nested collections are too deep; 100 are not', () => {
    const nest = (n: number) => `job:\n  script: echo\n  variables:\n    X: ${'['.repeat(n - 3)}${']'.repeat(n - 3)}\n`;
    // root, job and variables are three levels.
    expect(errorsOf({ '.gitlab-ci.yml': nest(101) }).errors).toEqual(['.gitlab-ci.yml:4:105: error: The parsed YAML is too big']);
    expect(errorsOf({ '.gitlab-ci.yml': nest(100) }).errors.join()).not.toContain('too big');
  });

  it('a huge or very deep file is refused before it is parsed, with the position', () => {
    let yaml = 'stages: [a, b]\n';
    for (let i = 0; i < 11_000; i++) yaml += `j${i}:\n  stage: b\n  script: [echo ${i}]\n  needs: [${Array.from({ length: 50 }, (_, k) => `j${k}`).join(', ')}]\n`;
    const started = performance.now();
    const { errors } = errorsOf({ '.gitlab-ci.yml': yaml });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^\.gitlab-ci\.yml:\d+:\d+: error: The parsed YAML is too big$/);
    expect(performance.now() - started).toBeLessThan(5000);
    const deep = `job:\n  script: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`;
    expect(errorsOf({ '.gitlab-ci.yml': deep }).errors).toEqual(['.gitlab-ci.yml:2:111: error: The parsed YAML is too big']); // the token scan sees flow levels only
  });

  it('deep block nesting that overflows the parser is "too big", not a stack error', () => {
    const yaml = `job:\n  script: echo\n  variables:\n${Array.from({ length: 2000 }, (_, i) => `${' '.repeat(4 + i)}k${i}:`).join('\n')}\n`;
    const { errors } = errorsOf({ '.gitlab-ci.yml': yaml });
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) expect(e).toMatch(/: error: The parsed YAML is too big$/);
  });

  it('an included file over the limit is refused with its own position', () => {
    const { errors } = errorsOf({ '.gitlab-ci.yml': 'include: bomb.yml\njob:\n  script: echo\n', 'bomb.yml': ALIAS_BOMB.replace('job:\n  script: *l12', '.x:\n  script: *l12') });
    expect(errors).toEqual(['bomb.yml:5:26: error: The parsed YAML is too big']);
  });
});

describe('lists expanded through !reference are refused past 50,000 items, never cut', () => {
  it('reports the list', () => {
    const yaml = [
      '.a:\n  script: [x, x, x, x, x, x, x, x, x, x]',
      ...Array.from({ length: 5 }, (_, i) => `.b${i}:\n  script: [${Array(10).fill(`!reference [${i === 0 ? '.a' : `.b${i - 1}`}, script]`).join(', ')}]`),
      'job:\n  script: !reference [.b4, script]',
    ].join('\n');
    const { plan, errors } = errorsOf({ '.gitlab-ci.yml': yaml });
    expect(errors).toEqual(['.gitlab-ci.yml:12:11: error: The parsed YAML is too big: a list has more than 50000 items once its nested lists and !reference tags are expanded']);
    expect(plan.jobs).toEqual([]);
  });

  it('10,000 lines stay 10,000 lines', () => {
    const yaml = ['.a:\n  script: [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 3 }, (_, i) => `.b${i}:\n  script: [${Array(10).fill(`!reference [${i === 0 ? '.a' : `.b${i - 1}`}, script]`).join(', ')}]`), 'job:\n  script: !reference [.b2, script]'].join('\n');
    const { plan, errors } = errorsOf({ '.gitlab-ci.yml': yaml });
    expect(errors).toEqual([]);
    expect(plan.jobs[0].script).toHaveLength(10_000);
  });
});

describe('invalid UTF-8', () => {
  it('is an error at the first invalid byte, line and column', () => {
    const content = Buffer.concat([Buffer.from('job:\n  script:\n    - echo h'), Buffer.from([0xc3, 0x28]), Buffer.from('llo\n')]);
    expect(errorsOf(bytesFiles(content)).errors).toEqual(['.gitlab-ci.yml:3:13: error: invalid byte sequence in UTF-8 (invalid trailing UTF-8 octet: 0xc3 0x28)']);
    const lone = Buffer.concat([Buffer.from('job:\n  script: "é '), Buffer.from([0xff]), Buffer.from('"\n')]);
    expect(errorsOf(bytesFiles(lone)).errors).toEqual(['.gitlab-ci.yml:2:14: error: invalid byte sequence in UTF-8 (invalid leading UTF-8 octet: 0xff)']);
  });

  it('in an included file too', () => {
    const main = Buffer.from('include: inc.yml\njob:\n  script: echo\n');
    const inc = Buffer.concat([Buffer.from('.x:\n  script: a'), Buffer.from([0xe2, 0x82])]);
    const files: ProjectFiles = { read: () => undefined, readBytes: (p) => (p === '.gitlab-ci.yml' ? main : p === 'inc.yml' ? inc : undefined), list: () => ['.gitlab-ci.yml', 'inc.yml'] };
    expect(errorsOf(files).errors).toEqual(['inc.yml:2:12: error: invalid byte sequence in UTF-8 (incomplete UTF-8 octet sequence: 0xe2 0x82)']);
  });

  it('valid UTF-8 bytes (and a BOM) read as text', () => {
    const { plan, errors } = errorsOf(bytesFiles(Buffer.from('\ufeffjob:\n  script: echo "héllo ✓"\n')));
    expect(errors).toEqual([]);
    expect(plan.jobs[0].script).toEqual(['echo "héllo ✓"']);
  });
});

describe('GitLab CI limits', () => {
  const stageJobs = (n: number) => Array.from({ length: n }, (_, i) => `j${i}:\n  stage: build\n  script: [x]\n`).join('');

  it('needs per job: 50 (ci_needs_size_limit)', () => {
    const yaml = `stages: [build, test]\n${stageJobs(60)}z:\n  stage: test\n  script: [x]\n  needs: [${Array.from({ length: 51 }, (_, k) => `j${k}`).join(', ')}]\n`;
    expect(errorsOf({ '.gitlab-ci.yml': yaml }).errors).toEqual([
      '.gitlab-ci.yml:185:11: error: z: one job can only need 50 others, but you have listed 51. See needs keyword documentation for more details',
    ]);
    expect(errorsOf({ '.gitlab-ci.yml': yaml }, { needsPerJob: 51 }).errors).toEqual([]);
    expect(errorsOf({ '.gitlab-ci.yml': yaml.replace('j50]', ']').replace(', ]', ']') }).errors).toEqual([]);
  });

  it('jobs per pipeline: 2000 by default (ci_pipeline_size), configurable, 0 = none', () => {
    const yaml = `stages: [build]\n${stageJobs(2001)}`;
    const message = 'The number of jobs has exceeded the limit of 2000. Try splitting the configuration with parent-child-pipelines https://docs.gitlab.com/ci/debugging/#pipeline-with-many-jobs-fails-to-start';
    expect(errorsOf({ '.gitlab-ci.yml': yaml }).errors).toEqual([`.gitlab-ci.yml:6002:1: error: ${message}`]);
    expect(errorsOf({ '.gitlab-ci.yml': yaml }, { jobsPerPipeline: 0 }).errors).toEqual([]);
    expect(errorsOf({ '.gitlab-ci.yml': `stages: [build]\n${stageJobs(4)}` }, { jobsPerPipeline: 3 }).errors).toEqual([
      '.gitlab-ci.yml:11:1: error: The number of jobs has exceeded the limit of 3. Try splitting the configuration with parent-child-pipelines https://docs.gitlab.com/ci/debugging/#pipeline-with-many-jobs-fails-to-start',
    ]);
  });

  it('includes: 150 (ci_max_includes)', () => {
    const files: Record<string, string> = { '.gitlab-ci.yml': `include: ${JSON.stringify(Array.from({ length: 151 }, (_, i) => `i${i}.yml`))}\njob:\n  script: echo\n` };
    for (let i = 0; i < 151; i++) files[`i${i}.yml`] = `.t${i}:\n  script: echo\n`;
    expect(errorsOf(files).errors).toEqual(['.gitlab-ci.yml:1:1551: error: Maximum of 150 nested includes are allowed!']);
    expect(errorsOf(files, { includes: 151 }).errors).toEqual([]);
    // Nested: a chain of 151 files.
    const chain: Record<string, string> = { '.gitlab-ci.yml': 'include: c0.yml\njob:\n  script: echo\n' };
    for (let i = 0; i < 151; i++) chain[`c${i}.yml`] = `include: c${i + 1}.yml\n.t${i}:\n  script: echo\n`;
    chain['c151.yml'] = '.end:\n  script: echo\n';
    expect(errorsOf(chain).errors).toEqual(['c149.yml:1:10: error: Maximum of 150 nested includes are allowed!']);
  });

  it('matrix: 200 jobs', () => {
    const yaml = `job:\n  script: echo\n  parallel:\n    matrix:\n      - A: [${Array.from({ length: 15 }, (_, i) => i).join(', ')}]\n        B: [${Array.from({ length: 14 }, (_, i) => i).join(', ')}]\n`;
    expect(errorsOf({ '.gitlab-ci.yml': yaml }).errors).toEqual(['.gitlab-ci.yml:5:7: error: jobs:job:parallel:matrix config generates too many jobs (maximum is 200)']);
  });

  it('extends: 10 levels', () => {
    const yaml = `${Array.from({ length: 12 }, (_, i) => `.e${i}:\n  extends: .e${i + 1}\n`).join('')}.e12:\n  script: echo\njob:\n  extends: .e0\n`;
    expect(errorsOf({ '.gitlab-ci.yml': yaml }).errors).toEqual(['.gitlab-ci.yml:24:3: error: .e11: nesting too deep in `extends`']);
  });
});
