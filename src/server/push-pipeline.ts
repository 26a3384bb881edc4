// git push -> pipeline, and what the pusher is told (the `remote: ` lines git prints): the URL of
// the created pipeline, or, for an invalid `.gitlab-ci.yml`, the failed pipeline GitLab records
// (config_error) with its `file:line:col` errors. A push without .gitlab-ci.yml says nothing.
import type { GitPushEvent } from '../git/http-plugin.js';
import { ConfigInvalidError, type CreatePipelineFor } from './pipeline-from-commit.js';

const MAX_ERROR_LINES = 20;

export interface PushPipelineOptions {
  createPipelineFor: CreatePipelineFor;
  /** Web URL of a pipeline. */
  pipelineUrl: (pipelineId: number) => string;
  log: (message: string, error: unknown, push: GitPushEvent) => void;
}

export async function pipelineForPush(push: GitPushEvent, options: PushPipelineOptions): Promise<string[]> {
  const what = `${push.isTag ? 'tag' : 'branch'} ${push.ref}`;
  try {
    const result = await options.createPipelineFor({ ...push, source: 'push', recordConfigError: true });
    if (!result.detail) {
      return result.plan.workflow.created ? [] : ['', `No pipeline for ${what}: filtered out by workflow:rules.`, ''];
    }
    const { pipeline, jobs } = result.detail;
    return ['', `Pipeline #${pipeline.id} created for ${what} (${jobs.length} job${jobs.length === 1 ? '' : 's'}):`, `  ${options.pipelineUrl(pipeline.id)}`, ''];
  } catch (error) {
    options.log('push did not create a pipeline', error, push);
    if (!(error instanceof ConfigInvalidError)) return ['', `Could not create a pipeline for ${what} (server error; see the server log).`, ''];
    if (!error.pipeline) return []; // no .gitlab-ci.yml: nothing to run, nothing to say (as GitLab)
    // GitLab's message, then our "did you mean" hints (each at the unknown key).
    const errors = error.diagnostics
      .slice(0, MAX_ERROR_LINES)
      .flatMap((d) => [`  ${d.file}:${d.line}:${d.column}: ${d.message}`, ...(d.hints ?? []).map((h) => `  ${h.file}:${h.line}:${h.column}: hint: ${h.message}`)]);
    if (error.diagnostics.length > MAX_ERROR_LINES) errors.push(`  … and ${error.diagnostics.length - MAX_ERROR_LINES} more`);
    return [
      '',
      `Pipeline #${error.pipeline.id} failed for ${what}: .gitlab-ci.yml is invalid (config_error):`,
      ...errors,
      `  ${options.pipelineUrl(error.pipeline.id)}`,
      '',
    ];
  }
}
