// Conformance: POST /jobs/request as gitlab-runner polls it (reference §2), over real HTTP.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { job as planJob, planOf } from '../engine/test-support/plan-builder.js';
import { checkJobPayload } from './test-support/json-schema-check.js';
import { postJson, RunnerClient, RUNNER_INFO } from './test-support/runner-client.js';
import { startRunnerApiTestServer, type RunnerApiTestServer } from './test-support/start-test-server.js';

describe('POST /jobs/request (§2)', () => {
  let t: RunnerApiTestServer;
  beforeAll(async () => {
    t = await startRunnerApiTestServer({ longPollMs: 600 });
  });
  afterAll(async () => {
    await t.close();
  });

  it('204 + X-GitLab-Last-Update when idle, echoed as last_update; 403 only for a bad token', async () => {
    const { token } = await t.createRunner({ tags: ['idle-only'], runUntagged: false });
    const runner = new RunnerClient(t.url, token);
    const first = await runner.requestJob();
    expect(first.res.status).toBe(204);
    expect(first.res.text).toBe('');
    expect(first.res.headers.get('x-gitlab-last-update')).toMatch(/.+/);
    expect(first.res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    const second = await runner.requestJob();
    expect(second.res.status).toBe(204);
    expect(second.res.headers.get('x-gitlab-last-update')).toBe(first.res.headers.get('x-gitlab-last-update'));

    expect((await new RunnerClient(t.url, 'glrt-unknown').requestJob()).res.status).toBe(403);
    expect((await postJson(`${t.url}/api/v4/jobs/request`, { info: RUNNER_INFO })).status).toBe(403);
    // Token only in RUNNER-TOKEN (runner >= 17.11 sends both; accept either).
    const headerOnly = await postJson(`${t.url}/api/v4/jobs/request`, { info: RUNNER_INFO }, { 'runner-token': token });
    expect(headerOnly.status).toBe(204);
    // Malformed input is a 4xx, never a 500.
    expect((await postJson(`${t.url}/api/v4/jobs/request`, '{not json', { 'runner-token': token })).status).toBe(400);
    expect((await postJson(`${t.url}/api/v4/jobs/request`, '[1,2]', { 'runner-token': token })).status).toBe(400);
    expect((await postJson(`${t.url}/api/v4/jobs/request`, { token, info: 'nope' })).status).toBe(400);
  });

  it('201 + application/json payload valid against the runner schema; the job is running', async () => {
    const { token, runner } = await t.createRunner({ tags: ['schema'], runUntagged: false });
    const { pipeline, project } = await t.createPipeline(
      planOf(['build'], [planJob('build', { stage: 'build', tags: ['schema'], variables: [{ key: 'NUM', value: '42', raw: false }] })]),
    );
    const client = new RunnerClient(t.url, token);
    const { res, job } = await client.requestJob();
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-gitlab-last-update')).toBeNull();
    expect(checkJobPayload(job)).toEqual([]);
    expect(job!.job_info).toMatchObject({ name: 'build', stage: 'build', project_id: project.id, pipeline_id: pipeline.id });
    expect(job!.git_info.sha).toBe(pipeline.sha);
    expect(job!.git_info.repo_url).toBe(`${t.url.replace('http://', `http://gitlab-ci-token:${job!.token}@`)}/${project.path}.git`);
    expect(job!.variables.find((v) => v.key === 'NUM')!.value).toBe('42');
    expect(job!.variables.find((v) => v.key === 'CI_RUNNER_ID')!.value).toBe(String(runner.id));
    expect((await t.coordinator.read.job(job!.id))!.status).toBe('running');
  });

  describe('with a long hold', () => {
    let long: RunnerApiTestServer;
    beforeAll(async () => {
      long = await startRunnerApiTestServer({ longPollMs: 30_000 });
    });
    afterAll(async () => {
      await long.close();
    });
    const parked = async (n: number) => {
      for (let i = 0; i < 500 && long.coordinator.parkedPolls() < n; i++) await new Promise((r) => setTimeout(r, 20));
      return long.coordinator.parkedPolls();
    };

    it('holds an idle poll and answers 201 the moment a job fits', async () => {
      const { token } = await long.createRunner({ tags: ['late'], runUntagged: false });
      const { project, sha } = await long.createProject();
      const client = new RunnerClient(long.url, token);
      const polling = client.requestJob();
      expect(await parked(1)).toBe(1);
      // The job becomes pending while the request is parked.
      const detail = await long.coordinator.createPipeline({
        projectId: project.id, ref: 'main', isTag: false, sha, source: 'push', plan: planOf(['test'], [planJob('late-job', { tags: ['late'] })]),
      });
      await long.repos.createPipelineRef(project.path, detail.pipeline.id, sha);
      const { res, job } = await polling;
      expect(res.status).toBe(201);
      expect(job!.job_info.name).toBe('late-job');
    });

    it('a client that goes away releases its parked poll', async () => {
      const { token } = await long.createRunner({ tags: ['gone'], runUntagged: false });
      const before = long.coordinator.parkedPolls();
      const req = http.request(`${long.url}/api/v4/jobs/request`, { method: 'POST', headers: { 'content-type': 'application/json' } });
      req.on('error', () => {});
      req.end(JSON.stringify({ token }));
      expect(await parked(before + 1)).toBe(before + 1);
      req.destroy();
      for (let i = 0; i < 500 && long.coordinator.parkedPolls() > before; i++) await new Promise((r) => setTimeout(r, 20));
      expect(long.coordinator.parkedPolls()).toBe(before);
    });
  });

  it('tags, run_untagged and paused decide who gets a job', async () => {
    const tagged = await t.createRunner({ tags: ['gpu'], runUntagged: false });
    const other = await t.createRunner({ tags: ['cpu'], runUntagged: false });
    const paused = await t.createRunner({ tags: ['gpu'], runUntagged: false, paused: true });
    await t.createPipeline(planOf(['test'], [planJob('needs-gpu', { tags: ['gpu'] })]));
    expect((await new RunnerClient(t.url, other.token).requestJob()).res.status).toBe(204);
    expect((await new RunnerClient(t.url, paused.token).requestJob()).res.status).toBe(204);
    const got = await new RunnerClient(t.url, tagged.token).requestJob();
    expect(got.job?.job_info.name).toBe('needs-gpu');
  });
});

describe('POST /jobs/request: the runner goes away while its job is being claimed', () => {
  it('puts the job back in the queue (204 on a dead socket), and the next runner gets it', async () => {
    let dropClient: (() => void) | null = null;
    const t = await startRunnerApiTestServer({
      longPollMs: 0,
      // The claim commits; then, before the route can answer, the client's connection closes.
      wrapStore: (store) => ({
        ...store,
        queue: {
          ...store.queue,
          claim: async (match, assign) => {
            const claimed = await store.queue.claim(match, assign);
            if (claimed && dropClient) {
              dropClient();
              dropClient = null;
              if (!assign.signal?.aborted) await new Promise((resolve) => assign.signal?.addEventListener('abort', resolve, { once: true }));
            }
            return claimed;
          },
        },
      }),
    });
    try {
      const { token } = await t.createRunner({ tags: ['vanishing'], runUntagged: false });
      const { pipeline } = await t.createPipeline(planOf(['build'], [planJob('build', { stage: 'build', tags: ['vanishing'] })]));
      const gone = new Promise<string>((resolve) => {
        const req = http.request(`${t.url}/api/v4/jobs/request`, { method: 'POST', headers: { 'content-type': 'application/json' } });
        req.on('error', (e) => resolve(e.message));
        req.on('response', (res) => resolve(`answered ${res.statusCode}`));
        dropClient = () => req.destroy();
        req.end(JSON.stringify({ token, info: RUNNER_INFO }));
      });
      expect(await gone).not.toMatch(/^answered/);
      // the route puts the job back after the socket closed; wait for it
      let status = '';
      for (let i = 0; i < 50 && status !== 'pending'; i++) {
        status = (await t.coordinator.read.pipeline(pipeline.id))!.jobs[0].status;
        if (status !== 'pending') await new Promise((r) => setTimeout(r, 20));
      }
      expect(status).toBe('pending');
      const { res, job } = await new RunnerClient(t.url, token).requestJob();
      expect(res.status).toBe(201);
      expect(job!.job_info.name).toBe('build');
      expect((await t.coordinator.read.job(job!.id))!.status).toBe('running');
    } finally {
      await t.close();
    }
  });
});
