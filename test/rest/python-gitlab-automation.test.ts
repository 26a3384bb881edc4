// python-gitlab (Debian's python3-gitlab, run with /usr/bin/python3) drives triggers, schedules
// and hooks: a trigger token and a triggered pipeline (JSON variables, as python-gitlab sends
// them), a schedule that is played and then fires on its own at its cron time, and a hook whose
// payload a listener on 127.0.0.1 receives.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventually } from '../../src/server/test-support/hosted-project.js';
import { startAutomationHarness, type AutomationHarness } from './automation-harness.js';

const PYTHON = '/usr/bin/python3';
const hasPythonGitlab = existsSync(PYTHON) && (await promisify(execFile)(PYTHON, ['-c', 'import gitlab']).then(() => true, () => false));
if (!hasPythonGitlab) console.warn('[skip] python-gitlab automation: /usr/bin/python3 with python3-gitlab is not installed');

describe.skipIf(!hasPythonGitlab)('python-gitlab: triggers, schedules, hooks', () => {
  let h: AutomationHarness;
  beforeAll(async () => {
    h = await startAutomationHarness('py/auto');
  });
  afterAll(async () => {
    await h?.close();
  });

  test('trigger, hook delivery, schedule play and a schedule that fires by itself', { timeout: 150_000 }, async () => {
    const { stdout } = await promisify(execFile)(PYTHON, [path.join(import.meta.dirname, 'python', 'automation.py')], {
      env: { ...process.env, GCD_URL: h.url, GCD_TOKEN: h.token, GCD_PROJECT_ID: String(h.project.id), GCD_HOOK_URL: h.hookUrl, PYTHONDONTWRITEBYTECODE: '1' },
      timeout: 140_000,
    });
    const out = JSON.parse(stdout);
    expect(out.trigger_token).toMatch(/^glptt-/);
    expect(out.triggers_listed).toEqual([out.trigger_token.slice(0, 4)]);
    expect(out.triggered).toMatchObject({ source: 'trigger', ref: 'main' });
    expect(await h.jobNames(out.triggered.id)).toEqual(['build', 'on-trigger']);
    expect((await h.server.coordinator.read.pipeline(out.triggered.id))!.pipeline.variables).toEqual([{ key: 'DEPLOY_TO', value: 'python' }]);
    expect(out.bad_token).toBe(404);

    expect(out.hook).toMatchObject({ pipeline_events: true, job_events: true });
    const payload = await eventually(async () => h.received.find((r) => r.headers['x-gitlab-event'] === 'Pipeline Hook' && (r.body.object_attributes as { id: number }).id === out.hooked_pipeline), 10_000, 'the pipeline hook');
    expect(payload.headers['x-gitlab-token']).toBe('py-secret');
    expect(payload.body).toMatchObject({ object_kind: 'pipeline', object_attributes: { source: 'trigger', variables: [{ key: 'DEPLOY_TO', value: 'hooked' }] } });
    expect(h.received.some((r) => r.headers['x-gitlab-event'] === 'Job Hook' && r.body.object_kind === 'build')).toBe(true);

    expect(out.schedule_variables).toEqual([{ key: 'NIGHTLY', value: 'from-python' }]);
    const played = await h.server.coordinator.read.pipeline(out.played_pipeline);
    expect(played!.pipeline.source).toBe('schedule');
    expect(await h.jobNames(out.played_pipeline)).toEqual(['build', 'on-schedule']);
    expect(out.fired).toBeTruthy();
    const fired = await h.server.coordinator.read.pipeline(out.fired.id);
    expect(fired!.pipeline).toMatchObject({ source: 'schedule', variables: [{ key: 'NIGHTLY', value: 'from-python' }] });
    // it fired at the minute its cron names (next_run_at), not later than a minute after
    const due = Date.parse(out.schedule_next_run_at);
    expect(Date.parse(fired!.pipeline.createdAt)).toBeGreaterThanOrEqual(due);
    expect(Date.parse(fired!.pipeline.createdAt) - due).toBeLessThan(60_000);
  });
});
