// The clean "Raw" log: unit cases of the converter, and GET /jobs/:id/trace?format=plain over real
// HTTP against a real coordinator (SQLite) with a masked variable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { job as planJob, planOf } from '../engine/test-support/plan-builder.js';
import { createApiHarness, type ApiHarness } from './test-support/api-harness.js';
import { createPlainTextConverter, toPlainText } from './trace-plain.js';

const ts = (n: number, s: 'O' | 'E' = 'O', more = ' ') => `2024-05-01T10:00:0${n}.123456Z 00${s}${more}`;

describe('toPlainText', () => {
  it('drops escapes, section markers, runner timestamps; applies carriage returns', () => {
    const raw = [
      '\x1b[0KRunning with gitlab-runner 17.0\x1b[0;m',
      'section_start:1714557600:step_script[collapsed=true]\r\x1b[0K\x1b[36;1mStep script\x1b[0;m',
      '\x1b[32;1m$ make\x1b[0;m',
      'progress 10%\rprogress 100%\r',
      'section_end:1714557602:step_script\r\x1b[0K',
      '\x1b]0;title\x07done',
      '',
    ].join('\n');
    expect(toPlainText(raw)).toBe('Running with gitlab-runner 17.0\nStep script\n$ make\nprogress 100%\ndone\n');
    expect(toPlainText(`${ts(1)}hello\n${ts(2, 'O', '+')} world\n${ts(3, 'E')}\x1b[31moops\x1b[0m\n`)).toBe('hello world\noops\n');
    expect(toPlainText('no newline at the end')).toBe('no newline at the end');
    expect(toPlainText('a\n\nb\n')).toBe('a\n\nb\n');
    expect(toPlainText('section_end:1:a\r\x1b[0Ksection_start:1:b\r\x1b[0KNext step\n')).toBe('Next step\n');
  });

  it('gives the same text whatever the chunking (a marker or escape cut in two)', () => {
    const raw = `x\x1b[31mred\x1b[0m\nsection_start:1714557600:s\r\x1b[0KHeader\n${ts(1)}a\n${ts(2, 'O', '+')}b\nlast`;
    const whole = toPlainText(raw);
    for (let cut = 1; cut < raw.length; cut++) {
      const c = createPlainTextConverter();
      expect(c.push(raw.slice(0, cut)) + c.push(raw.slice(cut)) + c.end(), `cut at ${cut}`).toBe(whole);
    }
  });
});

describe('GET /jobs/:id/trace?format=plain', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await createApiHarness({ anonymousRead: true });
  });
  afterAll(async () => h?.close());

  it('serves the whole log as plain text, masked, and refuses an unknown format', async () => {
    const secret = 'PlainSecretValue42';
    await h.coordinator.setVariable({ projectId: null, key: 'PLAIN_SECRET', value: secret, masked: true, protected: false, file: false, raw: false });
    const runner = (await h.coordinator.createRunner({ runUntagged: true, description: 'r' })).runner;
    await h.coordinator.createPipeline({ projectId: h.project.id, ref: 'main', isTag: false, sha: 'a'.repeat(40), source: 'push', plan: planOf(['build'], [planJob('log', { stage: 'build' })]) });
    const r = await h.coordinator.requestJob({ runner, holdMs: 0, signal: new AbortController().signal });
    if (r.kind !== 'job') throw new Error('no job');
    const job = r.claimed.job;
    // Over 1 MiB so the route reads it in several chunks, with a section and a secret in the middle.
    const filler = Array.from({ length: 30_000 }, (_, i) => `\x1b[33mline ${i}\x1b[0m of the log`).join('\n');
    const raw = `${filler}\nsection_start:1714557600:deploy\r\x1b[0KDeploy with ${secret}\nsection_end:1714557601:deploy\r\x1b[0K${filler}\n`;
    await h.coordinator.appendTrace(job, 0, Buffer.from(raw));
    const res = await h.fetch(`/api/ui/jobs/${job.id}/trace?format=plain`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const text = await res.text();
    expect(text).not.toMatch(/\x1b|section_(start|end):/);
    expect(text).not.toContain(secret);
    expect(text).toMatch(/\nDeploy with \[MASKED\]\**\nline 0 of the log\n/);
    expect(text.split('\n').length).toBe(60_002);
    expect(text.startsWith('line 0 of the log\nline 1 of the log\n')).toBe(true);
    // The default stays the stored bytes.
    expect(await (await h.fetch(`/api/ui/jobs/${job.id}/trace?format=raw`)).text()).toContain('section_start:');
    expect((await h.fetch(`/api/ui/jobs/${job.id}/trace?format=html`)).status).toBe(400);
    expect((await h.fetch('/api/ui/jobs/999999/trace?format=plain')).status).toBe(404);
  });
});
