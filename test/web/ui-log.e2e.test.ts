// Job log tools in Chromium at 1440×900 and 390×844 (issue 18, points 5 and 11): search over the
// whole virtualised log (a line that is not rendered), line anchors, top/bottom, wrapping that
// keeps rows apart, the clean Raw text, a finished log opening at the top, line-number contrast,
// no horizontal overflow.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { job as planJob, planOf } from '../../src/engine/test-support/plan-builder.js';
import { claimAll, contrast, finish, haveBrowser, overflowX, shots, startUi, until, VIEWPORTS, type UiEnv } from './ui-browser.js';

// Browser globals used inside page.evaluate callbacks (the tests are type-checked without the DOM lib).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const getComputedStyle: any;
/* eslint-enable @typescript-eslint/no-explicit-any */

const LINES = 5000;
const LONG = `${'long-'.repeat(80)}end-of-long-line`;

/** A 5,000-line log: colours, a collapsed section holding "needle-folded", "needle-4321" at line 4321, long lines. */
function bigLog(): string {
  const out: string[] = [];
  for (let i = 1; i <= LINES; i++) {
    if (i === 2000) out.push('section_start:1714557600:hidden_step[collapsed=true]\r\x1b[0K\x1b[36;1mHidden step\x1b[0;m');
    else if (i === 2001) out.push('inside the folded section: needle-folded here');
    else if (i === 2002) out.push('section_end:1714557601:hidden_step\r\x1b[0K\x1b[32mafter the section\x1b[0m');
    else if (i === 4321) out.push('\x1b[31mthe needle-4321 line\x1b[0m');
    else if (i % 50 === 0) out.push(`\x1b[33m${i}:\x1b[0m ${LONG}`);
    else out.push(`\x1b[33mline ${i}\x1b[0m of the big log`);
  }
  return `${out.join('\n')}\n`;
}

describe.skipIf(!haveBrowser)('job log tools', () => {
  let env: UiEnv;
  let jobId: number;
  let hugeId: number;

  beforeAll(async () => {
    env = await startUi();
    await env.h.coordinator.createPipeline({ projectId: env.h.project.id, ref: 'main', isTag: false, sha: 'b'.repeat(40), source: 'push', plan: planOf(['build'], [planJob('big', { stage: 'build' })]), commitMessage: 'Big log' });
    const jobs = await claimAll(env);
    const job = jobs.get('big')!;
    jobId = job.id;
    await finish(env, job, 'success', bigLog());
    // Over 1 MiB: the page loads only the tail at first.
    await env.h.coordinator.createPipeline({ projectId: env.h.project.id, ref: 'huge', isTag: false, sha: 'e'.repeat(40), source: 'push', plan: planOf(['build'], [planJob('huge', { stage: 'build' })]), commitMessage: 'Huge log' });
    const huge = (await claimAll(env)).get('huge')!;
    hugeId = huge.id;
    const lines = Array.from({ length: 40_000 }, (_, i) => (i === 2999 ? 'the early-needle line' : `filler line ${i} of a log over one MiB`));
    await finish(env, huge, 'success', `${lines.join('\n')}\n`);
  }, 120_000);
  afterAll(async () => env?.close(), 60_000);

  const rendered = (page: Page, line: number) => page.locator(`.log-line[data-line="${line}"]`).count();
  const open = async (page: Page, hash = '') => {
    await page.goto(`${env.h.url}/jobs/${jobId}${hash}`);
    await until('the whole log', async () => Number(await page.locator('[data-testid=job-log]').getAttribute('data-lines')) >= LINES - 2);
  };

  for (const vp of VIEWPORTS) {
    describe(`${vp.name} ${vp.width}×${vp.height}`, () => {
      let page: Page;
      beforeAll(async () => {
        page = await env.page(vp);
      });

      it('opens a finished log at the top, with readable line numbers, and fits the viewport', async () => {
        await open(page);
        await page.waitForSelector('.log-line[data-line="1"]');
        expect(await page.locator('[data-testid=job-log]').evaluate((el) => el.scrollTop)).toBe(0);
        expect(await rendered(page, LINES - 1)).toBe(0);
        const [fg, bg] = await page.locator('.log-line[data-line="2"] .log-no').evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el.closest('.log')!).backgroundColor]);
        expect(contrast(fg, bg)).toBeGreaterThanOrEqual(4.5);
        expect(await overflowX(page)).toBe(0);
        await page.screenshot({ path: path.join(shots, `log-top-${vp.name}.png`) });
      });

      it('searches the whole log: finds a line that is not rendered, counts, goes next/previous and unfolds', async () => {
        await open(page);
        expect(await rendered(page, 4321)).toBe(0);
        expect(await page.locator('.log-line:has-text("needle-4321")').count()).toBe(0);
        await page.fill('[data-testid=log-search]', 'NEEDLE');
        await until('the count', async () => (await page.textContent('[data-testid=log-search-count]')) === '1 of 2');
        // First match: inside the collapsed section, which opens.
        await page.waitForSelector('.log-line[data-line="2001"] mark.log-match.current');
        expect(await page.locator('.log-section-header[data-section=hidden_step]').getAttribute('aria-expanded')).toBe('true');
        await page.click('[data-testid=log-search-next]');
        await page.waitForSelector('.log-line[data-line="4321"] mark.log-match.current');
        expect(await page.textContent('[data-testid=log-search-count]')).toBe('2 of 2');
        expect(await page.locator('.log-line[data-line="4321"] mark.log-match').textContent()).toBe('needle');
        const visible = await page.locator('.log-line[data-line="4321"]').evaluate((row) => {
          const box = row.closest('.log')!.getBoundingClientRect();
          const r = row.getBoundingClientRect();
          return r.top >= box.top && r.bottom <= box.bottom;
        });
        expect(visible).toBe(true);
        await page.screenshot({ path: path.join(shots, `log-search-${vp.name}.png`) });
        await page.click('[data-testid=log-search-prev]');
        await page.waitForSelector('.log-line[data-line="2001"] mark.log-match.current');
        await page.locator('[data-testid=log-search]').press('Enter');
        await page.waitForSelector('.log-line[data-line="4321"] mark.log-match.current');
        await page.fill('[data-testid=log-search]', 'no such text anywhere');
        await until('no results', async () => (await page.textContent('[data-testid=log-search-count]')) === 'No results');
        await page.fill('[data-testid=log-search]', '');
      });

      it('searches a log over 1 MiB whole: loads the part before the tail and finds its line', async () => {
        await page.goto(`${env.h.url}/jobs/${hugeId}`);
        const log = page.locator('[data-testid=job-log]');
        await page.waitForSelector('text=Load the complete log');
        expect(Number(await log.getAttribute('data-lines'))).toBeLessThan(40_000);
        await page.fill('[data-testid=log-search]', 'early-needle');
        await until('the count', async () => (await page.textContent('[data-testid=log-search-count]')) === '1 of 1');
        await page.waitForSelector('.log-line[data-line="3000"] mark.log-match.current');
        expect(Number(await log.getAttribute('data-lines'))).toBe(40_000);
      });

      it('links lines: a click sets #L<n>, opening #L<n> scrolls there', async () => {
        await open(page);
        await page.click('.log-line[data-line="3"] .log-no');
        expect(new URL(page.url()).hash).toBe('#L3');
        expect(await page.locator('.log-line[data-line="3"]').getAttribute('class')).toContain('log-target');
        await open(page, '#L3500');
        await page.waitForSelector('.log-line.log-target[data-line="3500"]');
        const inView = await page.locator('.log-line[data-line="3500"]').evaluate((row) => {
          const box = row.closest('.log')!.getBoundingClientRect();
          const r = row.getBoundingClientRect();
          return r.top >= box.top && r.bottom <= box.bottom;
        });
        expect(inView).toBe(true);
        // A line inside a collapsed section opens it.
        await open(page, '#L2001');
        await page.waitForSelector('.log-line.log-target[data-line="2001"]');
      });

      it('jumps to the bottom and back to the top', async () => {
        await open(page);
        await page.click('[data-testid=log-bottom]');
        await page.waitForSelector(`.log-line[data-line="${LINES}"]`);
        await page.click('[data-testid=log-top]');
        await page.waitForSelector('.log-line[data-line="1"]');
        expect(await page.locator('[data-testid=job-log]').evaluate((el) => el.scrollTop)).toBe(0);
      });

      it('wraps long lines without overlapping rows, also far down the virtualised log', async () => {
        await open(page);
        const log = page.locator('[data-testid=job-log]');
        const wrapped = (await page.getAttribute('[data-testid=log-wrap]', 'aria-pressed')) === 'true';
        if (!wrapped) await page.click('[data-testid=log-wrap]');
        await until('wrapping', async () => (await log.getAttribute('class'))!.includes('wrap'));
        expect(await log.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
        const check = async () => {
          const rows = await page.locator('.log-line').evaluateAll((els) =>
            els.map((el) => {
              const r = el.getBoundingClientRect();
              const t = el.querySelector('.log-text')!.getBoundingClientRect();
              return { line: Number(el.getAttribute('data-line')), top: r.top, bottom: r.bottom, textBottom: t.bottom };
            }),
          );
          rows.sort((a, b) => a.top - b.top);
          for (let i = 1; i < rows.length; i++) expect(rows[i].top, `line ${rows[i].line} overlaps ${rows[i - 1].line}`).toBeGreaterThanOrEqual(rows[i - 1].bottom - 0.5);
          for (const r of rows) expect(r.textBottom, `line ${r.line} text overflows its row`).toBeLessThanOrEqual(r.bottom + 0.5);
        };
        await page.fill('[data-testid=log-search]', 'needle-4321');
        await page.waitForSelector('.log-line[data-line="4321"] mark.log-match.current');
        await page.fill('[data-testid=log-search]', '');
        await page.waitForTimeout(100);
        await check();
        const tall = await page.locator('.log-line:has-text("end-of-long-line")').evaluateAll((els) => els.map((el) => el.getBoundingClientRect().height));
        expect(tall.length).toBeGreaterThan(0);
        for (const height of tall) expect(height).toBeGreaterThan(20);
        await page.click('[data-testid=log-bottom]');
        await page.waitForSelector(`.log-line[data-line="${LINES}"]`);
        await page.waitForTimeout(100);
        await check();
        expect(await overflowX(page)).toBe(0);
        await page.screenshot({ path: path.join(shots, `log-wrap-${vp.name}.png`) });
        await page.click('[data-testid=log-wrap]');
        await until('no wrapping', async () => !(await log.getAttribute('class'))!.includes('wrap'));
        expect(await log.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeGreaterThan(0);
      });

      it('Raw gives clean plain text', async () => {
        await open(page);
        const href = await page.getAttribute('[data-testid=log-raw]', 'href');
        const res = await page.request.get(new URL(href!, env.h.url).toString());
        const text = await res.text();
        expect(res.headers()['content-type']).toBe('text/plain; charset=utf-8');
        expect(text.includes('\x1b')).toBe(false);
        expect(text).not.toMatch(/section_(start|end):/);
        expect(text.split('\n')[0]).toBe('line 1 of the big log');
        expect(text).toContain('\nHidden step\ninside the folded section');
      });
    });
  }
});
