// Phone layout and keyboard access in Chromium (issue 18, points 7 and 11): every page fits its
// viewport from 320 to 1440 px (no horizontal overflow, the top bar spans the width), project cards
// and the variables form have no overlapping text, and a disabled action's reason is reachable by
// keyboard (focusable, aria-describedby a visible hint).
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { job as planJob, need, planOf } from '../../src/engine/test-support/plan-builder.js';
import { haveBrowser, overflowX, runAll, shots, startUi, VIEWPORTS, type UiEnv } from './ui-browser.js';

// Browser globals used inside page.evaluate callbacks (the tests are type-checked without the DOM lib).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any, window: any, getComputedStyle: any;
/* eslint-enable @typescript-eslint/no-explicit-any */

const WIDTHS = [
  { name: 'w320', width: 320, height: 640 },
  { name: 'w768', width: 768, height: 1024 },
  ...VIEWPORTS,
];

describe.skipIf(!haveBrowser)('layout from 320 to 1440 px', () => {
  let env: UiEnv;
  let pages: { name: string; path: string; ready: string; admin?: boolean }[];

  beforeAll(async () => {
    env = await startUi();
    const long = await env.h.coordinator.ensureProject('a-rather-long-group-name/with-a-very-long-project-name-indeed', 'main');
    const plan = planOf(['build', 'test'], [
      planJob('compile-everything-with-a-long-job-name', { stage: 'build' }),
      planJob('unit', { stage: 'test', needs: [need('compile-everything-with-a-long-job-name')] }),
      planJob('lint', { stage: 'test', needs: [] }),
    ]);
    const d = await env.h.coordinator.createPipeline({ projectId: long.id, ref: 'feature/a-very-long-branch-name-for-testing', isTag: false, sha: 'd'.repeat(40), source: 'push', plan, commitMessage: 'A commit title that is long enough to need more than one line on a phone screen' });
    const long2 = `${'x'.repeat(300)} a long line in the log\n`;
    await runAll(env, ['lint'], { lint: `checking\n${long2}failed\n` });
    await env.h.coordinator.createRunner({ runUntagged: true, description: 'a runner with a long description for the list', tags: ['linux', 'docker', 'a-long-tag-name'] });
    await env.h.coordinator.setVariable({ projectId: null, key: 'A_VERY_LONG_VARIABLE_NAME_FOR_LAYOUT', value: 'a value that is long enough to wrap or be cut on a phone screen', masked: false, protected: true, file: false, raw: false });
    const jobs = (await env.h.coordinator.read.pipeline(d.pipeline.id))!.jobs;
    pages = [
      { name: 'projects', path: '/', ready: '.card-row' },
      { name: 'pipelines', path: `/projects/${long.id}`, ready: '[data-testid=pipelines] tbody tr' },
      { name: 'pipeline', path: `/pipelines/${d.pipeline.id}`, ready: '[data-testid=pipeline-graph] .job-card' },
      { name: 'job', path: `/jobs/${jobs.find((j) => j.name === 'lint')!.id}`, ready: '.log-line' },
      { name: 'runners', path: '/runners', ready: '[data-testid=runners] tbody tr' },
      { name: 'admin', path: '/admin', ready: '[data-testid=variables] tr[data-variable]', admin: true },
      { name: 'sign-in', path: '/sign-in', ready: 'input[name=token]' },
      { name: 'not-found', path: '/no/such/page', ready: 'h1' },
    ];
  }, 120_000);
  afterAll(async () => env?.close(), 60_000);

  /** Elements reaching past the right edge of the viewport (for the failure message). */
  const offenders = (page: Page) =>
    page.evaluate(() => {
      const out: string[] = [];
      for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        if (r.width > 0 && r.right > window.innerWidth + 0.5) {
          let clipped = false;
          for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
            const s = getComputedStyle(p);
            if (s.overflowX !== 'visible' && p.getBoundingClientRect().right <= window.innerWidth + 0.5) clipped = true;
          }
          if (!clipped) out.push(`${el.tagName.toLowerCase()}.${el.className} right=${Math.round(r.right)}`);
        }
      }
      return out.slice(0, 8);
    });

  /** Pairs of boxes among `selector` (inside each `scope`) that overlap. */
  const overlaps = (page: Page, scope: string, selector: string) =>
    page.evaluate(
      ([scopeSel, sel]) => {
        const bad: string[] = [];
        for (const s of document.querySelectorAll(scopeSel)) {
          const boxes = [...s.querySelectorAll(sel)].filter((e) => e.getClientRects().length > 0).map((e) => ({ e, r: e.getBoundingClientRect() }));
          for (let i = 0; i < boxes.length; i++)
            for (let j = i + 1; j < boxes.length; j++) {
              const a = boxes[i];
              const b = boxes[j];
              if (a.e.contains(b.e) || b.e.contains(a.e)) continue;
              const x = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
              const y = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
              if (x > 1 && y > 1) bad.push(`${a.e.className || a.e.tagName} ∩ ${b.e.className || b.e.tagName}`);
            }
        }
        return bad;
      },
      [scope, selector] as const,
    );

  for (const vp of WIDTHS) {
    it(`fits every page at ${vp.width}×${vp.height}`, async () => {
      const page = await env.page(vp);
      for (const p of pages) {
        if (p.admin) {
          const res = await page.request.post(`${env.h.url}/api/ui/session`, { data: { token: env.h.adminToken } });
          expect(res.status()).toBe(200);
        }
        await page.goto(`${env.h.url}${p.path}`);
        await page.waitForSelector(p.ready);
        await page.waitForTimeout(150);
        expect({ page: p.name, overflow: await overflowX(page), offenders: await offenders(page) }).toEqual({ page: p.name, overflow: 0, offenders: [] });
        const bar = await page.locator('.topbar').evaluate((el) => el.getBoundingClientRect().width);
        expect(bar, `${p.name}: top bar width`).toBe(vp.width);
        expect(await overlaps(page, '.topbar', 'a, span, button'), `${p.name}: top bar`).toEqual([]);
        if (p.name === 'projects') expect(await overlaps(page, '.card-row', 'a, span, div, small')).toEqual([]);
        if (p.name === 'admin') expect(await overlaps(page, '.var-form', 'input, label, button, select')).toEqual([]);
        if (vp.width <= 390) await page.screenshot({ path: path.join(shots, `layout-${p.name}-${vp.width}.png`), fullPage: true });
      }
      await page.context().close();
    });
  }

  for (const vp of VIEWPORTS) {
    it(`explains a disabled action to keyboard users at ${vp.width}×${vp.height}`, async () => {
      const page = await env.page(vp);
      await page.goto(`${env.h.url}${pages[2].path}`);
      const retry = page.locator('[data-testid=retry-lint]');
      await retry.waitFor();
      expect(await retry.getAttribute('aria-disabled')).toBe('true');
      // Reached with Tab (not skipped as a disabled button is).
      let focused = false;
      for (let i = 0; i < 60 && !focused; i++) {
        await page.keyboard.press('Tab');
        focused = await retry.evaluate((el) => el === document.activeElement);
      }
      expect(focused).toBe(true);
      const hintId = await retry.getAttribute('aria-describedby');
      expect(hintId).toBeTruthy();
      const hint = page.locator(`[id="${hintId}"]`);
      expect(await hint.textContent()).toBe('Sign in to retry this job');
      expect(await hint.isVisible()).toBe(true);
      expect(await retry.getAttribute('aria-label')).toBe('Retry lint');
      // Pressing it does nothing (no request, no error).
      await page.keyboard.press('Enter');
      expect(await page.locator('.job-card[data-job-name=lint]').getAttribute('data-status')).toBe('failed');
      await page.screenshot({ path: path.join(shots, `disabled-hint-${vp.name}.png`) });
      await page.context().close();
    });
  }
});
