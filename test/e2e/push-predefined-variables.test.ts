// The predefined variables a runner gets (POST /api/v4/jobs/request over real HTTP) for a pipeline
// created by a real `git push`: the commit's message, title, description, author and date come
// from git (a push carries no message), GITLAB_USER_* from the pusher's token and the author,
// CI_NODE_TOTAL=1 without `parallel`, and the variables rules saw agree with the job's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, type DispatcherServer } from '../../src/server/create-server.js';
import { loadServerConfig } from '../../src/server/config.js';
import type { JobPayload } from '../../src/runner-api/protocol.js';
import { postJson, RUNNER_INFO, RunnerClient } from '../../src/runner-api/test-support/runner-client.js';

const work = mkdtempSync(path.join(tmpdir(), 'gcd-push-vars-'));
const repo = path.join(work, 'repo');
let server: DispatcherServer;
let url = '';
let remote = '';
let tokenId = 0;
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const push = (...refs: string[]) => promisify(execFile)('git', ['push', '-q', remote, ...refs], { cwd: repo, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });

beforeAll(async () => {
  server = await createServer(loadServerConfig({ flags: { dataDir: path.join(work, 'data'), logLevel: 'silent', webRoot: null } }));
  url = await server.start();
  const { token, apiToken } = await server.coordinator.createApiToken('pusher', 'user');
  tokenId = apiToken.id;
  remote = `${url.replace('http://', `http://alice:${token}@`)}/team/sub/vars.git`;
  mkdirSync(repo);
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'ada@example.com');
  git('config', 'user.name', 'Ada Lovelace');
  writeFileSync(
    path.join(repo, '.gitlab-ci.yml'),
    `
seen:
  script: [env]
  rules:
    - if: $CI_COMMIT_TITLE == "Add the engine" && $CI_COMMIT_AUTHOR == "Ada Lovelace <ada@example.com>" && $GITLAB_USER_LOGIN == "alice" && $CI_NODE_TOTAL == "1" && $CI_PROJECT_URL =~ /^http:\\/\\/127\\.0\\.0\\.1:[0-9]+\\/team\\/sub\\/vars$/ && $CI_SERVER_HOST == "127.0.0.1" && $CI_API_V4_URL =~ /\\/api\\/v4$/ && $CI_PROJECT_ROOT_NAMESPACE == "team"
`,
  );
  git('add', '-A');
  execFileSync('git', ['commit', '-q', '-F', '-'], {
    cwd: repo,
    input: 'Add the engine\n\nIt computes.\nSecond line.\n',
    env: { ...process.env, GIT_AUTHOR_DATE: '2024-04-30T09:00:00+02:00', GIT_COMMITTER_DATE: '2024-05-01T10:00:00+02:00' },
  });
  git('tag', '-a', 'v1.0', '-m', 'Release one');
});

afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

async function runnerFor(): Promise<RunnerClient> {
  const registered = await postJson(`${url}/api/v4/runners`, { token: await server.coordinator.resetRegistrationToken(), run_untagged: true, info: RUNNER_INFO });
  expect(registered.status).toBe(201);
  return new RunnerClient(url, registered.json<{ token: string }>().token);
}

const varsOf = (job: JobPayload) => Object.fromEntries(job.variables.map((v) => [v.key, v.value]));

describe('predefined variables of a pushed commit', () => {
  it('a branch push: message, title, description, author, user, timestamp, CI_NODE_TOTAL=1', async () => {
    await push('main');
    const runner = await runnerFor();
    const { job } = await runner.requestJob();
    expect(job, 'the rules saw the same commit variables (job "seen" created)').not.toBeNull();
    const vars = varsOf(job!);
    const sha = git('rev-parse', 'HEAD').trim();
    expect(vars).toMatchObject({
      CI_COMMIT_MESSAGE: 'Add the engine\n\nIt computes.\nSecond line.',
      CI_COMMIT_TITLE: 'Add the engine',
      // GitLab's Commit#description: the message without its first line (the blank line stays)
      CI_COMMIT_DESCRIPTION: '\nIt computes.\nSecond line.',
      CI_COMMIT_AUTHOR: 'Ada Lovelace <ada@example.com>',
      CI_COMMIT_TIMESTAMP: '2024-05-01T10:00:00+02:00', // the committer date, as GitLab's committed_date
      GITLAB_USER_ID: String(tokenId),
      GITLAB_USER_LOGIN: 'alice',
      GITLAB_USER_NAME: 'Ada Lovelace',
      GITLAB_USER_EMAIL: 'ada@example.com',
      CI_NODE_TOTAL: '1',
      CI_COMMIT_SHA: sha,
      CI_COMMIT_SHORT_SHA: sha.slice(0, 8),
      CI_COMMIT_BRANCH: 'main',
      CI_COMMIT_REF_NAME: 'main',
      CI_COMMIT_REF_SLUG: 'main',
      CI_DEFAULT_BRANCH: 'main',
      CI_PIPELINE_SOURCE: 'push',
      CI_PROJECT_PATH: 'team/sub/vars',
      CI_PROJECT_NAME: 'vars',
      CI_PROJECT_NAMESPACE: 'team/sub',
      CI_PROJECT_ROOT_NAMESPACE: 'team',
      CI_PROJECT_URL: `${url}/team/sub/vars`,
      CI_PROJECT_VISIBILITY: 'private',
      CI_CONFIG_PATH: '.gitlab-ci.yml',
      CI_SERVER_URL: url,
      CI_SERVER_HOST: '127.0.0.1',
      CI_SERVER_PROTOCOL: 'http',
      CI_API_V4_URL: `${url}/api/v4`,
      CI_JOB_NAME: 'seen',
      CI_JOB_STAGE: 'test',
    });
    for (const key of ['CI_JOB_ID', 'CI_JOB_TOKEN', 'CI_JOB_STARTED_AT', 'CI_PIPELINE_ID', 'CI_PIPELINE_IID', 'CI_PIPELINE_CREATED_AT', 'CI_SERVER_PORT', 'CI_SERVER_VERSION', 'CI_PROJECT_ID', 'CI_PROJECT_TITLE'])
      expect(vars[key], key).toBeTruthy();
    for (const key of ['CI_NODE_INDEX', 'CI_COMMIT_TAG', 'CI_OPEN_MERGE_REQUESTS', 'CI_MERGE_REQUEST_ID', 'CI_KUBERNETES_ACTIVE', 'CI_REGISTRY', 'CI_REGISTRY_IMAGE'])
      expect(vars[key], key).toBeUndefined();
    await runner.updateJob(job!, { state: 'success' });
  });

  it('a tag push: CI_COMMIT_TAG and the annotated tag message', async () => {
    await push('v1.0');
    const runner = await runnerFor();
    const { job } = await runner.requestJob();
    expect(job).not.toBeNull();
    const vars = varsOf(job!);
    expect(vars).toMatchObject({ CI_COMMIT_TAG: 'v1.0', CI_COMMIT_TAG_MESSAGE: 'Release one', CI_COMMIT_TITLE: 'Add the engine', CI_NODE_TOTAL: '1' });
    expect(vars.CI_COMMIT_BRANCH).toBeUndefined();
  });
});
