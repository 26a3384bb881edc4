// @gitbeaker/rest drives triggers, schedules, hooks and commit statuses: it sends trigger
// variables as form fields (variables[K]=V) with token and ref in the query, the way a curl
// script does; the same flows python-gitlab runs, from TypeScript.
import { Gitlab } from '@gitbeaker/rest';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventually } from '../../src/server/test-support/hosted-project.js';
import { startAutomationHarness, type AutomationHarness } from './automation-harness.js';

describe('@gitbeaker/rest: triggers, schedules, hooks, statuses', () => {
  let h: AutomationHarness;
  let api: InstanceType<typeof Gitlab>;
  beforeAll(async () => {
    h = await startAutomationHarness('beaker/auto');
    api = new Gitlab({ host: h.url, token: h.token });
  });
  afterAll(async () => {
    await h?.close();
  });

  test('trigger token: create, list, trigger with form variables, edit, remove', async () => {
    const created = await api.PipelineTriggerTokens.create(h.project.id, 'beaker');
    expect(created.token).toMatch(/^glptt-/);
    expect((await api.PipelineTriggerTokens.all(h.project.id)).map((t) => t.token)).toEqual([created.token.slice(0, 4)]);
    const pipeline = await api.PipelineTriggerTokens.trigger(h.project.id, 'main', created.token, { variables: { DEPLOY_TO: 'beaker' } });
    expect(pipeline).toMatchObject({ ref: 'main', source: 'trigger' });
    expect(await h.jobNames(pipeline.id as number)).toEqual(['build', 'on-trigger']);
    expect((await h.server.coordinator.read.pipeline(pipeline.id as number))!.pipeline.variables).toEqual([{ key: 'DEPLOY_TO', value: 'beaker' }]);
    const edited = await api.PipelineTriggerTokens.edit(h.project.id, created.id, { description: 'renamed' });
    expect(edited.description).toBe('renamed');
    await api.PipelineTriggerTokens.remove(h.project.id, created.id);
    await expect(api.PipelineTriggerTokens.trigger(h.project.id, 'main', created.token)).rejects.toThrow();
  });

  test('schedule: create, variable, run (play), show with last_pipeline, take ownership, remove', async () => {
    const s = await api.PipelineSchedules.create(h.project.id, 'nightly', 'main', '0 4 * * 1-5', { cronTimezone: 'Asia/Tokyo' });
    expect(s).toMatchObject({ cron: '0 4 * * 1-5', cron_timezone: 'Asia/Tokyo', active: true });
    // 04:00 in Tokyo is 19:00 UTC the day before
    expect(new Date(s.next_run_at as string).getUTCHours()).toBe(19);
    await api.PipelineScheduleVariables.create(h.project.id, s.id, 'NIGHTLY', 'beaker');
    await api.PipelineSchedules.run(h.project.id, s.id);
    const shown = await api.PipelineSchedules.show(h.project.id, s.id);
    const last = shown.last_pipeline as { id: number; source: string };
    expect(last.source).toBe('schedule');
    expect(await h.jobNames(last.id)).toEqual(['build', 'on-schedule']);
    expect((await h.server.coordinator.read.pipeline(last.id))!.pipeline.variables).toEqual([{ key: 'NIGHTLY', value: 'beaker' }]);
    const owned = await api.PipelineSchedules.takeOwnership(h.project.id, s.id);
    expect((owned.owner as { username: string }).username).toBe('root');
    const edited = await api.PipelineSchedules.edit(h.project.id, s.id, { active: false });
    expect(edited).toMatchObject({ active: false, next_run_at: null });
    await api.PipelineSchedules.remove(h.project.id, s.id);
    await expect(api.PipelineSchedules.show(h.project.id, s.id)).rejects.toThrow();
  });

  test('hook: add, receive a Job Hook and a Pipeline Hook on 127.0.0.1, edit, remove', async () => {
    const hook = await api.ProjectHooks.add(h.project.id, h.hookUrl, { pipelineEvents: true, jobEvents: true, pushEvents: false, token: 'beaker-secret' });
    expect(hook).toMatchObject({ url: h.hookUrl, pipeline_events: true, job_events: true, push_events: false });
    const trig = await api.PipelineTriggerTokens.create(h.project.id, 'for hook');
    const pipeline = await api.PipelineTriggerTokens.trigger(h.project.id, 'main', trig.token);
    const job = await eventually(async () => h.received.find((r) => r.headers['x-gitlab-event'] === 'Job Hook' && r.body.pipeline_id === pipeline.id), 10_000, 'a job hook');
    expect(job.headers['x-gitlab-token']).toBe('beaker-secret');
    expect(job.body).toMatchObject({ object_kind: 'build', project_id: h.project.id, ref: 'main' });
    await eventually(async () => h.received.find((r) => r.headers['x-gitlab-event'] === 'Pipeline Hook' && (r.body.object_attributes as { id: number }).id === pipeline.id), 10_000, 'a pipeline hook');
    const edited = await api.ProjectHooks.edit(h.project.id, hook.id, h.hookUrl, { jobEvents: false });
    expect(edited).toMatchObject({ job_events: false, pipeline_events: true });
    expect((await api.ProjectHooks.all(h.project.id)).map((x) => x.id)).toEqual([hook.id]);
    await api.ProjectHooks.remove(h.project.id, hook.id);
    expect(await api.ProjectHooks.all(h.project.id)).toEqual([]);
  });

  test('commit status: post an external status, list it beside the CI jobs', async () => {
    const trig = await api.PipelineTriggerTokens.create(h.project.id, 'for status');
    const pipeline = await api.PipelineTriggerTokens.trigger(h.project.id, 'main', trig.token);
    const sha = pipeline.sha as string;
    const status = await api.Commits.editStatus(h.project.id, sha, 'success', { name: 'external/lint', targetUrl: 'http://127.0.0.1/lint', description: 'clean' });
    expect(status).toMatchObject({ status: 'success', name: 'external/lint', sha });
    const all = await api.Commits.allStatuses(h.project.id, sha);
    expect(all.map((x) => x.name)).toEqual(expect.arrayContaining(['external/lint', 'build', 'on-trigger']));
  });
});
