// The job payload of a 201 to POST /jobs/request (Go: spec.Job), built as GitLab's
// BuildRunnerPresenter does. Exact JSON types: the runner decodes strictly (schema:
// schema/job-payload.schema.json). Variables in GitLab's order, later entries win in the runner:
// predefined < YAML < dotenv of dependencies < instance < project < pipeline < play variables.
import type { ClaimedJob } from '../engine/coordinator.js';
import type { PlanImage } from '../ci/plan.js';
import { reportFormat } from './artifact-formats.js';
import { iso8601, predefinedVariables } from './predefined-variables.js';
import {
  SERVER_FAILURE_REASONS,
  type ArtifactSpec,
  type CacheSpec,
  type Hook,
  type Image,
  type JobPayload,
  type JobVariable,
  type Step,
} from './protocol.js';

export interface BuildJobPayloadOptions {
  /** Base URL of this server as runners and jobs reach it (CI_SERVER_URL). */
  externalUrl: string;
  /** Clone URL of the project without credentials, e.g. http://host/group/project.git. */
  repoUrl: string;
}

export const DEFAULT_GIT_DEPTH = 20;
export const DEFAULT_JOB_TIMEOUT = 3600;
const ZERO_SHA = '0000000000000000000000000000000000000000';

/** Prefixes of tokens the runner masks in traces (ours and GitLab's). */
export const TOKEN_MASK_PREFIXES = ['glcbt-', 'glrt-', 'glrtr-', 'glpat-', 'gcd-admin-', 'gcd-user-', 'GR1348941'];

const userVariable = (key: string, value: unknown, extra: Partial<JobVariable> = {}): JobVariable => ({
  key,
  value: String(value ?? ''),
  public: false,
  masked: false,
  file: false,
  raw: false,
  ...extra,
});

export function withJobToken(repoUrl: string, token: string): string {
  const url = new URL(repoUrl);
  url.username = 'gitlab-ci-token';
  url.password = token;
  return url.toString();
}

/**
 * Whether the pipeline's ref counts as protected: decided when the pipeline was created, from the
 * project's protected branch and tag rules (engine/protected-refs.ts), as the claim was.
 */
export function isProtectedRef(claimed: ClaimedJob): boolean {
  return claimed.pipeline.protected;
}

function lastValue(variables: JobVariable[], key: string): string | undefined {
  for (let i = variables.length - 1; i >= 0; i--) if (variables[i].key === key) return variables[i].value;
  return undefined;
}

function gitDepth(variables: JobVariable[]): number {
  const raw = lastValue(variables, 'GIT_DEPTH');
  if (raw === undefined || !/^\s*\d+\s*$/.test(raw)) return DEFAULT_GIT_DEPTH;
  return Math.min(Number(raw), 2_147_483_647);
}

function image(plan: PlanImage): Image {
  const out: Image = { name: plan.name };
  if (plan.alias) out.alias = plan.alias;
  if (plan.entrypoint) out.entrypoint = plan.entrypoint.map(String);
  if (plan.command) out.command = plan.command.map(String);
  if (plan.pullPolicy && plan.pullPolicy.length > 0) out.pull_policy = [...plan.pullPolicy];
  if (plan.variables.length > 0) out.variables = plan.variables.map((x) => ({ key: x.key, value: String(x.value) }));
  return out;
}

function refspecs(claimed: ClaimedJob, depth: number): string[] {
  const { pipeline } = claimed;
  const specs = [`+refs/pipelines/${pipeline.id}:refs/pipelines/${pipeline.id}`];
  if (depth > 0) {
    specs.push(pipeline.isTag ? `+refs/tags/${pipeline.ref}:refs/tags/${pipeline.ref}` : `+refs/heads/${pipeline.ref}:refs/remotes/origin/${pipeline.ref}`);
  } else {
    specs.push('+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*');
  }
  return specs;
}

function artifacts(claimed: ClaimedJob): ArtifactSpec[] {
  const a = claimed.job.spec.artifacts;
  if (!a) return [];
  const expireIn = a.expireIn ?? '';
  const out: ArtifactSpec[] = [];
  if (a.paths.length > 0 || a.untracked) {
    out.push({
      name: a.name ?? '',
      untracked: a.untracked,
      paths: [...a.paths],
      exclude: [...a.exclude],
      when: a.when,
      artifact_type: 'archive',
      artifact_format: 'zip',
      expire_in: expireIn,
    });
  }
  for (const [type, paths] of Object.entries(a.reports ?? {})) {
    if (!paths || paths.length === 0) continue;
    const { name, format } = reportFormat(type);
    out.push({ name, untracked: false, paths: [...paths], exclude: [], when: 'always', artifact_type: type, artifact_format: format, expire_in: expireIn });
  }
  return out;
}

function caches(claimed: ClaimedJob, protectedRef: boolean): CacheSpec[] {
  // GitLab keeps protected and unprotected caches apart with a key suffix.
  const suffix = protectedRef ? '-protected' : '-non_protected';
  return claimed.job.spec.cache.map((c) => {
    const key = c.key || (c.keyPrefix ? `${c.keyPrefix}-default` : 'default');
    return {
      key: key + suffix,
      untracked: c.untracked,
      policy: c.policy,
      paths: [...c.paths],
      when: c.when,
      fallback_keys: c.fallbackKeys.map((k) => k + suffix),
    };
  });
}

function steps(claimed: ClaimedJob, timeout: number): Step[] {
  const spec = claimed.job.spec;
  const out: Step[] = [
    { name: 'script', script: [...spec.beforeScript, ...spec.script].map(String), timeout, when: 'on_success', allow_failure: false },
  ];
  if (spec.afterScript.length > 0) {
    out.push({ name: 'after_script', script: spec.afterScript.map(String), timeout, when: 'always', allow_failure: true });
  }
  return out;
}

function hooks(claimed: ClaimedJob): Hook[] {
  const h = claimed.job.spec.hooks;
  const out: Hook[] = [];
  if (h?.preGetSourcesScript.length) out.push({ name: 'pre_get_sources_script', script: h.preGetSourcesScript.map(String) });
  if (h?.postGetSourcesScript.length) out.push({ name: 'post_get_sources_script', script: h.postGetSourcesScript.map(String) });
  return out;
}

export function buildJobPayload(claimed: ClaimedJob, options: BuildJobPayloadOptions): JobPayload {
  const { job, pipeline, project, token } = claimed;
  const protectedRef = isProtectedRef(claimed);
  const repoUrlWithToken = withJobToken(options.repoUrl, token);
  const timeout = job.timeout > 0 ? Math.floor(job.timeout) : DEFAULT_JOB_TIMEOUT;

  const variables: JobVariable[] = predefinedVariables(claimed, {
    externalUrl: options.externalUrl,
    repoUrlWithToken,
    protectedRef,
    startedAt: iso8601(job.startedAt ?? new Date().toISOString()),
  });
  for (const y of job.spec.variables) variables.push(userVariable(y.key, y.value, { public: true, raw: y.raw }));
  for (const d of claimed.dotenvVariables) variables.push(userVariable(d.key, d.value));
  for (const c of claimed.ciVariables) variables.push(userVariable(c.key, c.value, { masked: c.masked, file: c.file, raw: c.raw }));
  for (const p of pipeline.variables) variables.push(userVariable(p.key, p.value, p.file ? { file: true } : {}));
  for (const p of job.playVariables) variables.push(userVariable(p.key, p.value, p.file ? { file: true } : {}));

  const depth = gitDepth(variables);
  const payload: JobPayload = {
    id: job.id,
    token,
    allow_git_fetch: true,
    job_info: {
      id: job.id,
      name: job.name,
      stage: job.stage,
      project_id: project.id,
      project_name: project.name,
      pipeline_id: pipeline.id,
      project_full_path: project.path,
      time_in_queue_seconds: Math.max(0, Number(claimed.queuedSeconds) || 0),
    },
    git_info: {
      repo_url: repoUrlWithToken,
      ref: pipeline.ref,
      sha: pipeline.sha,
      before_sha: pipeline.beforeSha || ZERO_SHA,
      ref_type: pipeline.isTag ? 'tag' : 'branch',
      refspecs: refspecs(claimed, depth),
      depth,
      repo_object_format: pipeline.sha.length === 64 ? 'sha256' : 'sha1',
      protected: protectedRef,
    },
    runner_info: { timeout },
    variables,
    steps: steps(claimed, timeout),
    image: job.spec.image ? image(job.spec.image) : null,
    services: job.spec.services.map(image),
    artifacts: artifacts(claimed),
    cache: caches(claimed, protectedRef),
    credentials: [],
    dependencies: claimed.dependencies.map(({ job: dep, archive }) => ({
      id: dep.id,
      name: dep.name,
      // Newer GitLab sends the running job's token for every dependency (reference §5.3).
      token,
      artifacts_file: { filename: archive?.filename ?? '', size: archive?.size ?? 0 },
    })),
    features: { trace_sections: true, token_mask_prefixes: [...TOKEN_MASK_PREFIXES], failure_reasons: [...SERVER_FAILURE_REASONS] },
  };
  const h = hooks(claimed);
  if (h.length > 0) payload.hooks = h;
  return payload;
}
