import { describe, expect, it } from 'vitest';
import type { PlanJob } from '../ci/plan.js';
import type { ClaimedJob } from '../engine/coordinator.js';
import { buildJobPayload } from './payload.js';
import { checkJobPayload } from './test-support/json-schema-check.js';

const SHA = 'a'.repeat(40);

function planJob(overrides: Partial<PlanJob> = {}): PlanJob {
  return {
    name: 'build 2/3',
    stage: 'build',
    stageIndex: 0,
    when: 'on_success',
    startIn: null,
    allowFailure: false,
    allowFailureExitCodes: null,
    needs: null,
    dependencies: null,
    tags: [],
    retry: { max: 0, when: ['always'], exitCodes: [] },
    timeout: null,
    resourceGroup: null,
    interruptible: false,
    variables: [
      { key: 'GLOBAL', value: 'g', raw: false },
      { key: 'RAW_ONE', value: '$NOT_EXPANDED', raw: true },
      { key: 'SHARED', value: 'from-yaml', raw: false },
    ],
    beforeScript: ['echo before'],
    script: ['echo main', 'make'],
    afterScript: ['echo after'],
    artifacts: {
      name: 'bin',
      paths: ['out/'],
      exclude: ['out/*.tmp'],
      untracked: false,
      when: 'on_success',
      expireIn: '1 week',
      exposeAs: null,
      reports: { junit: ['report.xml'], dotenv: ['build.env'] },
    },
    cache: [
      { key: 'deps', keyFiles: null, keyPrefix: null, paths: ['node_modules/'], untracked: false, policy: 'pull-push', when: 'on_success', fallbackKeys: ['main'] },
    ],
    image: { name: 'alpine:3.20', alias: null, entrypoint: [''], command: null, pullPolicy: ['if-not-present'], variables: [] },
    services: [{ name: 'postgres:16', alias: 'db', entrypoint: null, command: ['postgres', '-c', 'fsync=off'], pullPolicy: null, variables: [{ key: 'POSTGRES_PASSWORD', value: 'x', raw: false }] }],
    hooks: { preGetSourcesScript: ['echo pre'], postGetSourcesScript: [] },
    environment: null,
    coverage: null,
    parallel: { index: 2, total: 3 },
    trigger: null,
    idTokens: null,
    secrets: null,
    release: null,
    location: { file: '.gitlab-ci.yml', line: 1, column: 1 },
    ...overrides,
  };
}

function claimed(spec: PlanJob = planJob(), over: { ref?: string; isTag?: boolean; sha?: string; protected?: boolean } = {}): ClaimedJob {
  const now = '2026-01-02T03:04:05.678Z';
  return {
    job: {
      id: 17, pipelineId: 5, projectId: 3, name: spec.name, stage: spec.stage, stageIndex: 0, status: 'running', spec, attempt: 0,
      retried: false, runnerId: 1, systemId: 's_0123456789ab', failureReason: null, exitCode: null,
      playVariables: [{ key: 'PLAYED', value: 'p' }, { key: 'SHARED', value: 'from-play' }],
      createdAt: now, queuedAt: now, startedAt: now, finishedAt: null, scheduledAt: null, lastActivityAt: null, traceSize: 0,
      deadlineAt: null, timeout: 1800,
    },
    pipeline: {
      id: 5, projectId: 3, iid: 2, ref: over.ref ?? 'feature/x', isTag: over.isTag ?? false, sha: over.sha ?? SHA, beforeSha: '',
      source: 'push', status: 'running', name: null, stages: ['build'], variables: [{ key: 'SHARED', value: 'from-pipeline' }],
      commitMessage: 'Title line\n\nBody text', createdAt: now, startedAt: now, finishedAt: null, parentPipelineId: null,
      protected: over.protected ?? false,
    },
    project: { id: 3, path: 'grp/sub/demo', name: 'demo', defaultBranch: 'main', createdAt: now },
    runner: {
      id: 9, tokenKind: 'glrt', description: 'r1', tags: ['docker', 'linux'], runUntagged: true, locked: false, paused: false,
      accessLevel: 'not_protected', maximumTimeout: null, projectId: null, createdAt: now, contactedAt: null, tokenExpiresAt: null,
    },
    token: 'glcbt-secret-token',
    dependencies: [
      {
        job: { id: 11, name: 'compile' } as ClaimedJob['job'],
        archive: { id: 1, jobId: 11, pipelineId: 5, fileType: 'archive', fileFormat: 'zip', filename: 'artifacts.zip', size: 1234, storageKey: 'k', sha256: 'x', expireAt: null, createdAt: now },
      },
    ],
    dotenvVariables: [{ key: 'FROM_DOTENV', value: 'd' }, { key: 'SHARED', value: 'from-dotenv' }],
    ciVariables: [
      { id: 1, projectId: null, key: 'SECRET', value: 's3cr3t-value', masked: true, protected: false, file: false, raw: false },
      { id: 2, projectId: 3, key: 'KUBECONFIG', value: 'apiVersion: v1', masked: false, protected: false, file: true, raw: true },
    ],
    queuedSeconds: 1.5,
  };
}

const opts = { externalUrl: 'http://127.0.0.1:8080/', repoUrl: 'http://127.0.0.1:8080/grp/sub/demo.git' };
const valueOf = (p: ReturnType<typeof buildJobPayload>, key: string) => p.variables.filter((x) => x.key === key).at(-1)?.value;

describe('buildJobPayload', () => {
  it('produces a payload valid against the runner schema', () => {
    const payload = buildJobPayload(claimed(), opts);
    expect(checkJobPayload(payload)).toEqual([]);
    expect(checkJobPayload(JSON.parse(JSON.stringify(payload)))).toEqual([]);
    expect('run' in payload).toBe(false);
  });

  it('the schema refuses what the Go runner cannot decode', () => {
    const good = JSON.parse(JSON.stringify(buildJobPayload(claimed(), opts)));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const broken: [string, (p: Record<string, any>) => void][] = [
      ['numeric variable value', (p) => (p.variables[0].value = 42)],
      ['run: null', (p) => (p.run = null)],
      ['short sha', (p) => (p.git_info.sha = 'abc123')],
      ['string entrypoint', (p) => (p.image.entrypoint = 'sh -c')],
      ['numeric runner count', (p) => (p.job_info.project_jobs_running_on_instance_runners_count = 3)],
      ['string id', (p) => (p.id = '17')],
      ['unknown cache policy', (p) => (p.cache[0].policy = 'pull_push')],
      ['unknown executor option', (p) => (p.image.executor_opts = { docker: { memory: '1g' } })],
      ['string depth', (p) => (p.git_info.depth = '20')],
      ['script as string', (p) => (p.steps[0].script = 'make')],
    ];
    for (const [what, mutate] of broken) {
      const copy = structuredClone(good);
      mutate(copy);
      expect(checkJobPayload(copy), what).not.toEqual([]);
    }
  });

  it('git_info: token in repo_url, GitLab refspecs, depth from GIT_DEPTH', () => {
    const p = buildJobPayload(claimed(), opts);
    expect(p.git_info.repo_url).toBe('http://gitlab-ci-token:glcbt-secret-token@127.0.0.1:8080/grp/sub/demo.git');
    expect(p.git_info.refspecs).toEqual(['+refs/pipelines/5:refs/pipelines/5', '+refs/heads/feature/x:refs/remotes/origin/feature/x']);
    expect(p.git_info.depth).toBe(20);
    expect(p.git_info.before_sha).toBe('0'.repeat(40));
    expect(p.git_info.ref_type).toBe('branch');

    const tag = buildJobPayload(claimed(planJob({ variables: [{ key: 'GIT_DEPTH', value: '3', raw: false }] }), { ref: 'v1.0', isTag: true }), opts);
    expect(tag.git_info.refspecs).toEqual(['+refs/pipelines/5:refs/pipelines/5', '+refs/tags/v1.0:refs/tags/v1.0']);
    expect(tag.git_info.depth).toBe(3);
    expect(tag.git_info.ref_type).toBe('tag');
    expect(valueOf(tag, 'CI_COMMIT_TAG')).toBe('v1.0');
    expect(valueOf(tag, 'CI_COMMIT_BRANCH')).toBeUndefined();

    const full = buildJobPayload(claimed(planJob({ variables: [{ key: 'GIT_DEPTH', value: '0', raw: false }] })), opts);
    expect(full.git_info.refspecs).toEqual(['+refs/pipelines/5:refs/pipelines/5', '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*']);
  });

  it('variables: predefined set, flags, and GitLab precedence order', () => {
    const p = buildJobPayload(claimed(), opts);
    const byKey = (key: string) => p.variables.find((x) => x.key === key)!;
    expect(byKey('CI_JOB_TOKEN')).toEqual({ key: 'CI_JOB_TOKEN', value: 'glcbt-secret-token', public: false, masked: true, file: false, raw: false });
    expect(byKey('CI_REPOSITORY_URL').public).toBe(false);
    for (const [key, value] of Object.entries({
      CI: 'true', GITLAB_CI: 'true', CI_JOB_ID: '17', CI_JOB_NAME: 'build 2/3', CI_JOB_NAME_SLUG: 'build-2-3', CI_JOB_GROUP_NAME: 'build',
      CI_JOB_STAGE: 'build', CI_JOB_URL: 'http://127.0.0.1:8080/grp/sub/demo/-/jobs/17', CI_JOB_STARTED_AT: '2026-01-02T03:04:05Z',
      CI_NODE_INDEX: '2', CI_NODE_TOTAL: '3', CI_PIPELINE_ID: '5', CI_PIPELINE_IID: '2', CI_PIPELINE_SOURCE: 'push',
      CI_COMMIT_SHA: SHA, CI_COMMIT_SHORT_SHA: 'aaaaaaaa', CI_COMMIT_REF_NAME: 'feature/x', CI_COMMIT_REF_SLUG: 'feature-x',
      CI_COMMIT_BRANCH: 'feature/x', CI_COMMIT_TITLE: 'Title line', CI_COMMIT_DESCRIPTION: '\nBody text', CI_COMMIT_REF_PROTECTED: 'false',
      CI_SERVER_URL: 'http://127.0.0.1:8080', CI_SERVER_HOST: '127.0.0.1', CI_SERVER_PORT: '8080', CI_SERVER_PROTOCOL: 'http',
      CI_API_V4_URL: 'http://127.0.0.1:8080/api/v4', CI_PROJECT_ID: '3', CI_PROJECT_NAME: 'demo', CI_PROJECT_PATH: 'grp/sub/demo',
      CI_PROJECT_PATH_SLUG: 'grp-sub-demo', CI_PROJECT_NAMESPACE: 'grp/sub', CI_PROJECT_ROOT_NAMESPACE: 'grp',
      CI_PROJECT_URL: 'http://127.0.0.1:8080/grp/sub/demo', CI_DEFAULT_BRANCH: 'main', CI_RUNNER_TAGS: 'docker, linux',
    })) {
      expect(valueOf(p, key), key).toBe(value);
    }
    expect(byKey('RAW_ONE')).toMatchObject({ raw: true, public: true });
    expect(byKey('SECRET')).toMatchObject({ masked: true, public: false, value: 's3cr3t-value' });
    expect(byKey('KUBECONFIG')).toMatchObject({ file: true, raw: true });
    expect(valueOf(p, 'FROM_DOTENV')).toBe('d');
    // yaml < dotenv < pipeline < play: the runner takes the last occurrence.
    expect(p.variables.filter((x) => x.key === 'SHARED').map((x) => x.value)).toEqual(['from-yaml', 'from-dotenv', 'from-pipeline', 'from-play']);
    const keys = p.variables.map((x) => x.key);
    expect(keys.indexOf('CI_JOB_ID')).toBeLessThan(keys.indexOf('GLOBAL'));
    expect(keys.indexOf('GLOBAL')).toBeLessThan(keys.indexOf('FROM_DOTENV'));
    expect(keys.indexOf('FROM_DOTENV')).toBeLessThan(keys.indexOf('SECRET'));
    expect(keys.indexOf('SECRET')).toBeLessThan(keys.indexOf('PLAYED'));
    for (const x of p.variables) expect(typeof x.value).toBe('string');
  });

  it("protected follows the pipeline's flag (decided at creation from the project's rules), not the ref's kind", () => {
    // the default branch without a rule any more: not protected
    const main = buildJobPayload(claimed(planJob(), { ref: 'main', protected: false }), opts);
    expect([valueOf(main, 'CI_COMMIT_REF_PROTECTED'), main.git_info.protected, main.cache[0].key]).toEqual(['false', false, 'deps-non_protected']);
    // a tag matched by a protected-tag rule
    const tag = buildJobPayload(claimed(planJob(), { ref: 'v1', isTag: true, protected: true }), opts);
    expect([valueOf(tag, 'CI_COMMIT_REF_PROTECTED'), tag.git_info.protected, tag.cache[0].key]).toEqual(['true', true, 'deps-protected']);
  });

  it('steps, artifacts, cache, image, services, dependencies, hooks, features', () => {
    const p = buildJobPayload(claimed(), opts);
    expect(p.steps).toEqual([
      { name: 'script', script: ['echo before', 'echo main', 'make'], timeout: 1800, when: 'on_success', allow_failure: false },
      { name: 'after_script', script: ['echo after'], timeout: 1800, when: 'always', allow_failure: true },
    ]);
    expect(p.runner_info).toEqual({ timeout: 1800 });
    expect(p.artifacts).toEqual([
      { name: 'bin', untracked: false, paths: ['out/'], exclude: ['out/*.tmp'], when: 'on_success', artifact_type: 'archive', artifact_format: 'zip', expire_in: '1 week' },
      { name: 'junit.xml', untracked: false, paths: ['report.xml'], exclude: [], when: 'always', artifact_type: 'junit', artifact_format: 'gzip', expire_in: '1 week' },
      { name: '.env', untracked: false, paths: ['build.env'], exclude: [], when: 'always', artifact_type: 'dotenv', artifact_format: 'gzip', expire_in: '1 week' },
    ]);
    expect(p.cache).toEqual([{ key: 'deps-non_protected', untracked: false, policy: 'pull-push', paths: ['node_modules/'], when: 'on_success', fallback_keys: ['main-non_protected'] }]);
    expect(p.image).toEqual({ name: 'alpine:3.20', entrypoint: [''], pull_policy: ['if-not-present'] });
    expect(p.services).toEqual([{ name: 'postgres:16', alias: 'db', command: ['postgres', '-c', 'fsync=off'], variables: [{ key: 'POSTGRES_PASSWORD', value: 'x' }] }]);
    expect(p.dependencies).toEqual([{ id: 11, name: 'compile', token: 'glcbt-secret-token', artifacts_file: { filename: 'artifacts.zip', size: 1234 } }]);
    expect(p.hooks).toEqual([{ name: 'pre_get_sources_script', script: ['echo pre'] }]);
    expect(p.features.trace_sections).toBe(true);
    expect(p.features.failure_reasons).toContain('script_failure');
    expect(p.features.token_mask_prefixes).toContain('glcbt-');

    const bare = buildJobPayload(claimed(planJob({ image: null, afterScript: [], artifacts: null, cache: [], hooks: null, parallel: null })), opts);
    expect(bare.image).toBeNull();
    expect(bare.steps).toHaveLength(1);
    expect(bare.artifacts).toEqual([]);
    expect('hooks' in bare).toBe(false);
    expect(bare.variables.some((x) => x.key === 'CI_NODE_INDEX')).toBe(false);
    expect(checkJobPayload(bare)).toEqual([]);

    const deploy = buildJobPayload(claimed(planJob({ environment: { name: 'Production EU', url: 'https://x.example', action: null }, when: 'manual' })), opts);
    expect(valueOf(deploy, 'CI_ENVIRONMENT_NAME')).toBe('Production EU');
    expect(valueOf(deploy, 'CI_ENVIRONMENT_TIER')).toBe('production');
    expect(valueOf(deploy, 'CI_ENVIRONMENT_URL')).toBe('https://x.example');
    expect(valueOf(deploy, 'CI_JOB_MANUAL')).toBe('true');
  });
});
