// The job payload (201 body of POST /jobs/request) decoded as strictly as gitlab-runner's
// spec.Job: see go-decode.ts for the rules and runner-protocol.md §2.4 for the fields.
import type { JobPayload } from '../../runner-api/protocol.js';
import { go, goDecode, GoDecodeError, type GoType } from './go-decode.js';
import { JsonObject, parseRawJson, type RawJson } from './raw-json.js';

const strings = go.slice(go.string);

const variable = go.struct({ key: go.string, value: go.string, public: go.bool, masked: go.bool, file: go.bool, raw: go.bool });

const image = go.struct({
  name: go.string,
  alias: go.string,
  command: strings,
  entrypoint: strings,
  ports: go.slice(go.struct({ number: go.int, protocol: go.string, name: go.string })),
  variables: go.slice(variable),
  pull_policy: strings,
  executor_opts: go.ptr(
    go.struct({
      docker: go.ptr(go.struct({ platform: go.string, user: go.string })),
      kubernetes: go.ptr(go.struct({ user: go.string })),
    }),
  ),
});

/** spec.Job.run: a string holding JSON steps. Its UnmarshalJSON rejects null. */
const runSteps: GoType = {
  t: 'custom',
  decode: (v: RawJson, path: string) => {
    if (typeof v !== 'string') throw new GoDecodeError(`json: cannot unmarshal ${v === null ? 'null' : 'value'} into Go struct field ${path} of type string`);
    if (v === '') return v;
    try {
      const steps = JSON.parse(v) as unknown;
      if (!Array.isArray(steps)) throw new Error('not an array');
    } catch (e) {
      throw new GoDecodeError(`${path}: invalid steps: ${(e as Error).message}`);
    }
    return v;
  },
};

export const jobSchema: GoType = go.struct({
  id: go.int,
  token: go.string,
  allow_git_fetch: go.bool,
  job_info: go.struct({
    id: go.int,
    name: go.string,
    stage: go.string,
    project_id: go.int,
    project_name: go.string,
    pipeline_id: go.int,
    project_full_path: go.string,
    namespace_id: go.int,
    root_namespace_id: go.int,
    organization_id: go.int,
    instance_id: go.int,
    instance_uuid: go.string,
    user_id: go.int,
    scoped_user_id: go.int,
    time_in_queue_seconds: go.float,
    project_jobs_running_on_instance_runners_count: go.string,
    queue_size: go.int,
    queue_depth: go.int,
  }),
  git_info: go.struct({
    repo_url: go.string,
    ref: go.string,
    sha: go.string,
    before_sha: go.string,
    ref_type: go.string,
    refspecs: strings,
    depth: go.int,
    repo_object_format: go.string,
    protected: go.ptr(go.bool),
  }),
  runner_info: go.struct({ timeout: go.int, uuid: go.string }),
  variables: go.slice(variable),
  steps: go.slice(go.struct({ name: go.string, script: strings, timeout: go.int, when: go.string, allow_failure: go.bool })),
  image,
  services: go.slice(image),
  artifacts: go.slice(
    go.struct({
      name: go.string,
      untracked: go.bool,
      paths: strings,
      exclude: strings,
      when: go.string,
      artifact_type: go.string,
      artifact_format: go.string,
      expire_in: go.string,
    }),
  ),
  cache: go.slice(go.struct({ key: go.string, untracked: go.bool, policy: go.string, paths: strings, when: go.string, fallback_keys: strings })),
  credentials: go.slice(go.struct({ type: go.string, url: go.string, username: go.string, password: go.string })),
  dependencies: go.slice(go.struct({ id: go.int, name: go.string, token: go.string, artifacts_file: go.struct({ filename: go.string, size: go.int }) })),
  features: go.struct({ trace_sections: go.bool, token_mask_prefixes: strings, failure_reasons: strings, tracing: go.ptr(go.struct({})) }),
  hooks: go.slice(go.struct({ name: go.string, script: strings })),
  secrets: go.map(
    go.struct({
      vault: go.any,
      gcp_secret_manager: go.any,
      azure_key_vault: go.any,
      aws_secrets_manager: go.any,
      gitlab_secrets_manager: go.any,
      file: go.ptr(go.bool),
    }),
  ),
  inputs: go.slice(go.struct({ key: go.string, value: go.struct({ content: go.any, type: go.string, sensitive: go.bool }) })),
  run: runSteps,
  policy_options: go.ptr(go.struct({})),
  suspend_options: go.ptr(go.struct({})),
});

/** The decoded job: every field present (Go zero values), plus fields newer than protocol.ts. */
export type DecodedJob = JobPayload & {
  hooks: NonNullable<JobPayload['hooks']>;
  image: NonNullable<JobPayload['image']>;
  run?: string;
  secrets: Record<string, unknown>;
  inputs: { key: string; value: { content?: unknown; type: string; sensitive: boolean } }[];
};

/** Decodes a job payload; throws GoDecodeError/JsonSyntaxError where gitlab-runner's decode fails. */
export function decodeJobPayload(text: string): DecodedJob {
  const raw = parseRawJson(text);
  if (!(raw instanceof JsonObject)) {
    if (raw === null) throw new GoDecodeError('json: empty job payload (null)');
    throw new GoDecodeError('json: cannot unmarshal non-object into Go value of type spec.Job');
  }
  const job = goDecode(raw, jobSchema) as DecodedJob;
  // What the Go runner cannot run with (it would panic or misbehave) is also refused here.
  if (!(job.id > 0)) throw new GoDecodeError('job payload: id must be > 0');
  if (job.git_info.sha.length < 8) throw new GoDecodeError('job payload: git_info.sha shorter than 8 characters');
  return job;
}
