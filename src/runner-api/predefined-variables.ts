// The predefined CI/CD variables the server sends (reference §8.1), in GitLab's order: the job's
// persisted variables (id, url, token…), job, instance/server, project, pipeline/commit, runner.
// The runner adds its own (CI_PROJECT_DIR, CI_JOB_STATUS, CI_RUNNER_VERSION… §8.2).
import type { ClaimedJob } from '../engine/coordinator.js';
import type { JobVariable } from './protocol.js';
import { jobGroupName, slugify } from './slug.js';
import { commitTitleAndDescription } from '../util/commit-message.js';
import { serverUrlParts } from '../util/server-url.js';

/** Version this coordinator reports as CI_SERVER_VERSION (the GitLab API level it mirrors). */
export const SERVER_VERSION = { major: 17, minor: 11, patch: 0 };

export interface PredefinedContext {
  externalUrl: string;
  /** Clone URL with the job token embedded. */
  repoUrlWithToken: string;
  protectedRef: boolean;
  startedAt: string;
}

const v = (key: string, value: string | number, extra: Partial<JobVariable> = {}): JobVariable => ({
  key,
  value: String(value),
  public: true,
  masked: false,
  file: false,
  raw: false,
  ...extra,
});

const secret = { public: false, masked: true } as const;

/** "2024-05-01T10:00:00Z" (GitLab's iso8601, no fraction). */
export const iso8601 = (iso: string) => new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** GitLab's guess of a deployment tier from the environment name. */
export function environmentTier(name: string): string {
  const n = name.toLowerCase();
  if (/(prod|live)/.test(n)) return 'production';
  if (/(stag|model|pre|demo)/.test(n)) return 'staging';
  if (/(test|tst|int|ac(ce|)pt|qa|qc|control|quality)/.test(n)) return 'testing';
  if (/(dev|review|trunk)/.test(n)) return 'development';
  return 'other';
}

export function predefinedVariables(claimed: ClaimedJob, ctx: PredefinedContext): JobVariable[] {
  const { job, pipeline, project, runner, token } = claimed;
  const server = serverUrlParts(ctx.externalUrl);
  const projectUrl = `${server.base}/${project.path}`;
  const segments = project.path.split('/');
  const namespace = segments.slice(0, -1).join('/');
  const message = pipeline.commitMessage ?? '';
  const { title, description } = commitTitleAndDescription(message);
  const spec = job.spec;
  const out: JobVariable[] = [];
  const add = (variable: JobVariable) => out.push(variable);

  // Persisted job variables.
  add(v('CI_JOB_ID', job.id));
  add(v('CI_JOB_URL', `${projectUrl}/-/jobs/${job.id}`));
  add(v('CI_JOB_TOKEN', token, secret));
  add(v('CI_JOB_STARTED_AT', ctx.startedAt));
  add(v('CI_BUILD_ID', job.id));
  add(v('CI_BUILD_TOKEN', token, secret));
  add(v('CI_REGISTRY_USER', 'gitlab-ci-token'));
  add(v('CI_REGISTRY_PASSWORD', token, secret));
  add(v('CI_REPOSITORY_URL', ctx.repoUrlWithToken, { public: false }));

  // Job.
  add(v('CI_JOB_NAME', job.name));
  add(v('CI_JOB_NAME_SLUG', slugify(job.name)));
  add(v('CI_JOB_GROUP_NAME', jobGroupName(job.name)));
  add(v('CI_JOB_STAGE', job.stage));
  if (spec.when === 'manual') add(v('CI_JOB_MANUAL', 'true'));
  if (pipeline.source === 'trigger') add(v('CI_PIPELINE_TRIGGERED', 'true'));
  // GitLab: CI_NODE_TOTAL is always set (1 without `parallel`), CI_NODE_INDEX only with it.
  if (spec.parallel) add(v('CI_NODE_INDEX', spec.parallel.index));
  add(v('CI_NODE_TOTAL', spec.parallel?.total ?? 1));
  add(v('CI_BUILD_NAME', job.name));
  add(v('CI_BUILD_STAGE', job.stage));
  if (spec.environment) {
    add(v('CI_ENVIRONMENT_NAME', spec.environment.name));
    add(v('CI_ENVIRONMENT_SLUG', slugify(spec.environment.name, 24)));
    if (spec.environment.url) add(v('CI_ENVIRONMENT_URL', spec.environment.url));
    add(v('CI_ENVIRONMENT_ACTION', spec.environment.action ?? 'start'));
    add(v('CI_ENVIRONMENT_TIER', environmentTier(spec.environment.name)));
  }

  // Instance / server.
  add(v('CI', 'true'));
  add(v('GITLAB_CI', 'true'));
  add(v('CI_SERVER_URL', server.base));
  add(v('CI_SERVER_HOST', server.host));
  add(v('CI_SERVER_PORT', server.port));
  add(v('CI_SERVER_PROTOCOL', server.protocol));
  add(v('CI_SERVER_FQDN', server.fqdn));
  add(v('CI_SERVER_SHELL_SSH_HOST', server.host));
  add(v('CI_SERVER_SHELL_SSH_PORT', '22'));
  add(v('CI_SERVER_NAME', 'GitLab'));
  add(v('CI_SERVER_VERSION', `${SERVER_VERSION.major}.${SERVER_VERSION.minor}.${SERVER_VERSION.patch}`));
  add(v('CI_SERVER_VERSION_MAJOR', SERVER_VERSION.major));
  add(v('CI_SERVER_VERSION_MINOR', SERVER_VERSION.minor));
  add(v('CI_SERVER_VERSION_PATCH', SERVER_VERSION.patch));
  add(v('CI_SERVER_REVISION', 'gitlab-ci-dispatcher'));
  add(v('GITLAB_FEATURES', ''));
  add(v('CI_API_V4_URL', `${server.base}/api/v4`));
  add(v('CI_API_GRAPHQL_URL', `${server.base}/api/graphql`));
  add(v('CI_TEMPLATE_REGISTRY_HOST', 'registry.gitlab.com'));

  // Project.
  add(v('CI_PROJECT_ID', project.id));
  add(v('CI_PROJECT_NAME', segments[segments.length - 1]));
  add(v('CI_PROJECT_TITLE', project.name));
  add(v('CI_PROJECT_DESCRIPTION', ''));
  add(v('CI_PROJECT_PATH', project.path));
  add(v('CI_PROJECT_PATH_SLUG', slugify(project.path)));
  add(v('CI_PROJECT_NAMESPACE', namespace));
  add(v('CI_PROJECT_NAMESPACE_SLUG', slugify(namespace)));
  add(v('CI_PROJECT_ROOT_NAMESPACE', segments.length > 1 ? segments[0] : ''));
  add(v('CI_PROJECT_URL', projectUrl));
  add(v('CI_PROJECT_VISIBILITY', 'private'));
  add(v('CI_PROJECT_REPOSITORY_LANGUAGES', ''));
  add(v('CI_PROJECT_CLASSIFICATION_LABEL', ''));
  add(v('CI_DEFAULT_BRANCH', project.defaultBranch));
  add(v('CI_CONFIG_PATH', '.gitlab-ci.yml'));

  // Pipeline and commit.
  add(v('CI_PIPELINE_ID', pipeline.id));
  add(v('CI_PIPELINE_URL', `${projectUrl}/-/pipelines/${pipeline.id}`));
  add(v('CI_PIPELINE_IID', pipeline.iid));
  add(v('CI_PIPELINE_SOURCE', pipeline.source));
  add(v('CI_PIPELINE_CREATED_AT', iso8601(pipeline.createdAt)));
  if (pipeline.name) add(v('CI_PIPELINE_NAME', pipeline.name));
  add(v('CI_COMMIT_SHA', pipeline.sha));
  add(v('CI_COMMIT_SHORT_SHA', pipeline.sha.slice(0, 8)));
  add(v('CI_COMMIT_BEFORE_SHA', pipeline.beforeSha || '0'.repeat(40)));
  add(v('CI_COMMIT_REF_NAME', pipeline.ref));
  add(v('CI_COMMIT_REF_SLUG', slugify(pipeline.ref)));
  const commit = pipeline.commit ?? null;
  if (pipeline.isTag) {
    add(v('CI_COMMIT_TAG', pipeline.ref));
    add(v('CI_COMMIT_TAG_MESSAGE', commit?.tagMessage ?? ''));
  } else {
    add(v('CI_COMMIT_BRANCH', pipeline.ref));
  }
  add(v('CI_COMMIT_MESSAGE', message));
  add(v('CI_COMMIT_TITLE', title));
  add(v('CI_COMMIT_DESCRIPTION', description));
  add(v('CI_COMMIT_REF_PROTECTED', ctx.protectedRef ? 'true' : 'false'));
  // The commit's committer date (older pipelines without commit info: the pipeline's creation).
  add(v('CI_COMMIT_TIMESTAMP', commit?.timestamp || iso8601(pipeline.createdAt)));
  if (commit) {
    add(v('CI_COMMIT_AUTHOR', `${commit.authorName} <${commit.authorEmail}>`));
    add(v('GITLAB_USER_ID', commit.user.id));
    add(v('GITLAB_USER_LOGIN', commit.user.login));
    add(v('GITLAB_USER_NAME', commit.user.name));
    add(v('GITLAB_USER_EMAIL', commit.user.email));
  }

  // Runner (server-known).
  add(v('CI_RUNNER_ID', runner.id));
  add(v('CI_RUNNER_DESCRIPTION', runner.description));
  add(v('CI_RUNNER_TAGS', runner.tags.join(', ')));
  return out;
}
