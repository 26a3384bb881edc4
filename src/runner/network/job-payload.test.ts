/* eslint-disable @typescript-eslint/no-explicit-any -- the tests write deliberately wrong JSON types */
// The job payload is decoded as gitlab-runner's Go decoder does: wrong types fail the decode.
import { describe, expect, it } from 'vitest';
import { decodeJobPayload } from './job-payload.js';
import { GoDecodeError } from './go-decode.js';

const base = () => ({
  id: 42,
  token: 'glcbt-abc',
  allow_git_fetch: true,
  job_info: { id: 42, name: 'build', stage: 'test', project_id: 1, project_name: 'demo', project_jobs_running_on_instance_runners_count: '+Inf', time_in_queue_seconds: 1.5 },
  git_info: { repo_url: 'http://gitlab-ci-token:glcbt-abc@h/g/p.git', ref: 'main', sha: '0123456789abcdef0123456789abcdef01234567', before_sha: '', ref_type: 'branch', refspecs: ['+refs/heads/main:refs/remotes/origin/main'], depth: 20 },
  runner_info: { timeout: 3600 },
  variables: [{ key: 'A', value: '1', public: true, masked: false }],
  steps: [{ name: 'script', script: ['echo hi'], timeout: 3600, when: 'on_success', allow_failure: false }],
  image: { name: 'alpine' },
  services: [],
  artifacts: [],
  cache: [],
  credentials: [],
  dependencies: [],
  features: { trace_sections: true, failure_reasons: ['script_failure'] },
});

const decode = (o: unknown) => decodeJobPayload(typeof o === 'string' ? o : JSON.stringify(o));
const withPatch = (patch: (j: ReturnType<typeof base>) => void) => {
  const j = base();
  patch(j);
  return j;
};

describe('decodeJobPayload (strict like Go)', () => {
  it('decodes a valid payload, fills zero values, ignores unknown keys', () => {
    const j = decode({ ...base(), surprise: { x: 1 }, hooks: null });
    expect(j.id).toBe(42);
    expect(j.job_info.project_jobs_running_on_instance_runners_count).toBe('+Inf');
    expect(j.hooks).toEqual([]);
    expect(j.git_info.protected).toBeUndefined();
    expect(j.variables[0]).toEqual({ key: 'A', value: '1', public: true, masked: false, file: false, raw: false });
  });

  it('matches keys case-insensitively and lets the last duplicate win, as encoding/json does', () => {
    const j = decode(JSON.stringify(base()).replace('"allow_git_fetch":true', '"Allow_Git_Fetch":false,"allow_git_fetch":true,"ALLOW_GIT_FETCH":false'));
    expect(j.allow_git_fetch).toBe(false);
  });

  it.each([
    ['a number as variable value', (j: any) => (j.variables[0].value = 1)],
    ['a number where GitLab sends a string count', (j: any) => (j.job_info.project_jobs_running_on_instance_runners_count = 3)],
    ['a float literal for an int', (j: any) => (j.runner_info.timeout = 1.5)],
    ['a string id', (j: any) => (j.id = '42')],
    ['a string entrypoint', (j: any) => (j.image.entrypoint = 'sh -c')],
    ['a string script', (j: any) => (j.steps[0].script = 'echo hi')],
    ['a string for a bool', (j: any) => (j.allow_git_fetch = 'true')],
    ['an object for an array', (j: any) => (j.artifacts = {})],
    ['run: null', (j: any) => (j.run = null)],
    ['run that is not JSON steps', (j: any) => (j.run = 'nope')],
    ['a short sha', (j: any) => (j.git_info.sha = 'abc')],
    ['a secret that is not an object', (j: any) => (j.secrets = { DB: 'x' })],
    ['policy_options that is not an object', (j: any) => (j.policy_options = 'x')],
  ])('rejects %s', (_name, patch) => {
    expect(() => decode(withPatch(patch as never))).toThrow(GoDecodeError);
  });

  it('rejects an int literal written with an exponent or out of int64 range', () => {
    expect(() => decode(JSON.stringify(base()).replace('"timeout":3600}', '"timeout":1e3}'))).toThrow(GoDecodeError);
    expect(() => decode(JSON.stringify(base()).replace('"depth":20', '"depth":9223372036854775808'))).toThrow(GoDecodeError);
  });

  it('accepts null for objects, arrays, strings and numbers', () => {
    const j = decode({ ...base(), image: null, services: null, cache: null, job_info: { ...base().job_info, project_name: null, queue_size: null } });
    expect(j.image.name).toBe('');
    expect(j.services).toEqual([]);
    expect(j.job_info.project_name).toBe('');
  });

  it('rejects malformed JSON and a non-object', () => {
    expect(() => decode('{"id": 1,')).toThrow();
    expect(() => decode('[]')).toThrow(GoDecodeError);
    expect(() => decode('null')).toThrow(GoDecodeError);
  });
});
