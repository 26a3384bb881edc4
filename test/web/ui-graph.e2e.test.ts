// The pipeline graph in Chromium at 1440×900 and 390×844 (issue 18, points 3 and 4): parallel and
// matrix jobs grouped ("unit-tests 4", "test 3") and opened to their full names, needs links that
// never cross another job card, a stable order after a retry, and the "job dependencies" view.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { job as planJob, need, planOf } from '../../src/engine/test-support/plan-builder.js';
import { claimAll, finish, haveBrowser, overflowX, runAll, shots, startUi, until, VIEWPORTS, type UiEnv } from './ui-browser.js';

// Browser globals used inside page.evaluate callbacks (the tests are type-checked without the DOM lib).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any, localStorage: any;
/* eslint-enable @typescript-eslint/no-explicit-any */

const MATRIX = ['unit-tests: [18, mac]', 'unit-tests: [18, linux]', 'unit-tests: [20, mac]', 'unit-tests: [20, linux]'];
const PARALLEL = ['test 1/3', 'test 2/3', 'test 3/3'];

describe.skipIf(!haveBrowser)('pipeline graph', () => {
  let env: UiEnv;
  let pipelineId: number;

  beforeAll(async () => {
    env = await startUi();
    const plan = planOf(
      ['lint', 'build', 'test', 'security', 'deploy'],
      [
        planJob('lint', { stage: 'lint' }),
        planJob('compile', { stage: 'build', needs: [] }),
        planJob('docs', { stage: 'build', needs: [] }),
        ...MATRIX.map((name) => planJob(name, { stage: 'test', needs: [need('compile')] })),
        ...PARALLEL.map((name) => planJob(name, { stage: 'test', needs: [need('compile')] })),
        planJob('integration', { stage: 'test', needs: [need('compile')] }),
        planJob('security-scan', { stage: 'security', needs: [need('lint')] }),
        planJob('sast', { stage: 'security' }),
        planJob('deploy', { stage: 'deploy', needs: [need('security-scan'), need('unit-tests: [20, linux]')] }),
      ],
    );
    const d = await env.h.coordinator.createPipeline({ projectId: env.h.project.id, ref: 'main', isTag: false, sha: 'c'.repeat(40), source: 'push', plan, commitMessage: 'Matrix pipeline' });
    pipelineId = d.pipeline.id;
    await runAll(env, ['test 2/3']);
  }, 120_000);
  afterAll(async () => env?.close(), 60_000);

  const columnNames = (page: Page, stage: string) =>
    page.locator(`.stage[data-stage="${stage}"] > [data-card], .stage[data-stage="${stage}"] > .job-group > [data-card]`).evaluateAll((els) => els.map((e) => e.getAttribute('data-card')));

  /** Every link's points (every 3 px) that fall inside a card other than its own two. */
  const crossings = (page: Page) =>
    page.evaluate(() => {
      const graph = document.querySelector('[data-testid=pipeline-graph]')!.getBoundingClientRect();
      const cards = [...document.querySelectorAll('[data-testid=pipeline-graph] [data-card]')].map((c) => {
        const r = c.getBoundingClientRect();
        return { key: c.dataset.card!, left: r.left - graph.left + 1, right: r.right - graph.left - 1, top: r.top - graph.top + 1, bottom: r.bottom - graph.top - 1 };
      });
      const bad: string[] = [];
      const paths = [...document.querySelectorAll('svg.graph-links path')];
      for (const p of paths) {
        const len = p.getTotalLength();
        for (let at = 0; at <= len; at += 3) {
          const { x, y } = p.getPointAtLength(at);
          for (const c of cards) {
            if (c.key === p.dataset.from || c.key === p.dataset.to) continue;
            if (x > c.left && x < c.right && y > c.top && y < c.bottom) bad.push(`${p.dataset.from}→${p.dataset.to} crosses ${c.key} at ${Math.round(x)},${Math.round(y)}`);
          }
        }
      }
      return { links: paths.length, bad: [...new Set(bad.map((b) => b.replace(/ at .*/, '')))] };
    });

  for (const vp of VIEWPORTS) {
    describe(`${vp.name} ${vp.width}×${vp.height}`, () => {
      let page: Page;
      beforeAll(async () => {
        page = await env.page(vp);
        await page.goto(`${env.h.url}/pipelines/${pipelineId}`);
        await page.waitForSelector('[data-testid=pipeline-graph]');
        await page.evaluate(() => localStorage.removeItem('gcd.groupBy'));
      });

      it('groups matrix and parallel jobs, and opens a group to its full names', async () => {
        await page.reload();
        const unit = page.locator('[data-testid="group-unit-tests"]');
        await unit.waitFor();
        expect(await unit.locator('.job-name').textContent()).toBe('unit-tests');
        expect(await unit.locator('.group-count').textContent()).toBe('4');
        expect(await page.locator('[data-testid="group-test"] .group-count').textContent()).toBe('3');
        // A failed parallel job makes the group failed.
        expect(await page.getAttribute('[data-testid="group-test"]', 'data-status')).toBe('failed');
        expect(await page.getAttribute('[data-testid="group-unit-tests"]', 'data-status')).toBe('success');
        expect(await page.locator('.job-card[data-job-name^="unit-tests: ["]').count()).toBe(0);
        await unit.click();
        expect(await unit.getAttribute('aria-expanded')).toBe('true');
        await expect(page.locator('[data-group="unit-tests"] .job-child .job-name').allTextContents()).resolves.toEqual(MATRIX);
        // Full names, not cut off.
        const cut = await page.locator('.job-child .job-name').evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent));
        expect(cut).toEqual([]);
        await page.click('[data-testid="group-test"]');
        await expect(page.locator('[data-group="test"] .job-child .job-name').allTextContents()).resolves.toEqual(PARALLEL);
        // Open, the links reach the jobs themselves.
        await page.waitForSelector('svg.graph-links path[data-from="compile"][data-to="unit-tests: [18, mac]"]', { state: 'attached' });
        await page.waitForSelector('svg.graph-links path[data-from="unit-tests: [20, linux]"][data-to="deploy"]', { state: 'attached' });
        expect(await overflowX(page)).toBe(0);
        await page.screenshot({ path: path.join(shots, `graph-groups-open-${vp.name}.png`), fullPage: true });
        await unit.click();
        await page.click('[data-testid="group-test"]');
        await page.waitForSelector('svg.graph-links path[data-from="compile"][data-to="unit-tests"]', { state: 'attached' });
      });

      it('routes every link through the gaps, never through another card (groups closed and open)', async () => {
        await page.reload();
        await page.waitForSelector('svg.graph-links path[data-from="lint"][data-to="security-scan"]', { state: 'attached' });
        let r = await crossings(page);
        expect(r.links).toBeGreaterThanOrEqual(5);
        expect(r.bad).toEqual([]);
        await page.screenshot({ path: path.join(shots, `graph-links-${vp.name}.png`), fullPage: true });
        await page.click('[data-testid="group-unit-tests"]');
        await page.click('[data-testid="group-test"]');
        await page.waitForSelector('svg.graph-links path[data-from="compile"][data-to="test 2/3"]', { state: 'attached' });
        r = await crossings(page);
        expect(r.links).toBeGreaterThanOrEqual(10);
        expect(r.bad).toEqual([]);
        await page.click('[data-testid="group-unit-tests"]');
        await page.click('[data-testid="group-test"]');
      });

      it('shows the job dependencies view, and keeps the order of a column after a retry', async () => {
        await page.reload();
        await page.waitForSelector('[data-testid="group-unit-tests"]');
        const before = await columnNames(page, 'test');
        expect(before).toEqual(['unit-tests', 'test', 'integration']);
        const build = await columnNames(page, 'build');
        // Retry a job of the first stage column's neighbour: the new attempt has a higher id.
        const d = await env.h.coordinator.read.pipeline(pipelineId);
        const compile = d!.jobs.find((j) => j.name === 'compile' && !j.retried)!;
        await env.h.coordinator.retryJob(compile.id);
        await until('the retry to show', async () => (await page.getAttribute('.job-card[data-job-name="compile"]', 'data-status')) !== 'success');
        expect(await columnNames(page, 'build')).toEqual(build);
        const claimed = await claimAll(env);
        await finish(env, claimed.get('compile')!, 'success', 'again\n');
        await until('the retry to pass', async () => (await page.getAttribute('.job-card[data-job-name="compile"]', 'data-status')) === 'success');
        expect(await columnNames(page, 'build')).toEqual(build);
        expect(await columnNames(page, 'test')).toEqual(before);

        await page.click('[data-testid=group-by-needs]');
        await page.waitForSelector('[data-testid=pipeline-graph][data-group-by=needs]');
        const cols = await page.locator('.stage').evaluateAll((els) => els.map((e) => [...e.querySelectorAll(':scope > [data-card], :scope > .job-group > [data-card]')].map((c) => c.dataset.card)));
        const col = (key: string) => cols.findIndex((c) => c.includes(key));
        expect(col('lint')).toBe(0);
        expect(col('compile')).toBe(0);
        expect(col('security-scan')).toBe(1);
        expect(col('unit-tests')).toBe(1);
        expect(col('deploy')).toBe(2);
        // sast has no needs: it waits for every job of the earlier stages.
        expect(col('sast')).toBe(2);
        expect((await crossings(page)).bad).toEqual([]);
        await page.screenshot({ path: path.join(shots, `graph-needs-${vp.name}.png`), fullPage: true });
        // The choice is kept.
        await page.reload();
        await page.waitForSelector('[data-testid=pipeline-graph][data-group-by=needs]');
        await page.click('[data-testid=group-by-stage]');
        await page.waitForSelector('[data-testid=pipeline-graph][data-group-by=stage]');
        expect(await overflowX(page)).toBe(0);
      });
    });
  }
});
