// A junit report uploaded as gitlab-runner sends it (gzip, one member per file) is read into the
// engine: the pipeline's test report has one suite per job with the right counts, a retry's new
// report replaces the old attempt's, and an unreadable report is a suite error, not a failed upload.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { job as planJob, planOf } from '../engine/test-support/plan-builder.js';
import { RunnerClient } from './test-support/runner-client.js';
import { startRunnerApiTestServer, type RunnerApiTestServer } from './test-support/start-test-server.js';

const junit = { name: null, paths: [], exclude: [], untracked: false, when: 'always' as const, expireIn: null, exposeAs: null, reports: { junit: ['report.xml'] } };
const xml = (cases: string) => `<?xml version="1.0"?><testsuites><testsuite name="s">${cases}</testsuite></testsuites>`;

describe('junit report upload', () => {
  let t: RunnerApiTestServer;
  beforeAll(async () => {
    t = await startRunnerApiTestServer({ longPollMs: 200 });
  });
  afterAll(async () => {
    await t.close();
  });

  it('parses gzip members into the pipeline report; bad XML becomes a suite error', async () => {
    const { token } = await t.createRunner({ tags: ['ju'], runUntagged: false });
    const client = new RunnerClient(t.url, token);
    const { pipeline } = await t.createPipeline(
      planOf(['test'], [planJob('rspec 1/2', { tags: ['ju'], artifacts: junit }), planJob('rspec 2/2', { tags: ['ju'], artifacts: junit }), planJob('lint', { tags: ['ju'], artifacts: junit })]),
    );
    const jobs = [];
    for (let i = 0; i < 3; i++) jobs.push((await client.requestJob()).job!);
    const byName = Object.fromEntries(jobs.map((j) => [j.job_info.name, j]));
    const one = Buffer.concat([
      gzipSync(xml('<testcase name="a" time="1.5"/><testcase name="b"><failure message="boom">trace</failure></testcase>')),
      gzipSync(xml('<testcase name="c"><skipped/></testcase>')),
    ]);
    const up = await client.uploadArtifact(byName['rspec 1/2']!, one, { artifact_format: 'gzip', artifact_type: 'junit' }, 'junit.xml.gz');
    expect(up.status).toBe(201);
    const two = gzipSync(xml('<testcase name="d" time="0.25"/><testcase name="e"><error>bad</error></testcase>'));
    expect((await client.uploadArtifact(byName['rspec 2/2']!, two, { artifact_format: 'gzip', artifact_type: 'junit' }, 'junit.xml.gz')).status).toBe(201);
    expect((await client.uploadArtifact(byName.lint!, gzipSync('<testsuite><testcase'), { artifact_format: 'gzip', artifact_type: 'junit' }, 'junit.xml.gz')).status).toBe(201);

    const report = (await t.coordinator.read.testReport(pipeline.id, { cases: true }))!;
    expect(report).toMatchObject({ total: 5, success: 2, failed: 1, skipped: 1, error: 1, time: 1.75 });
    expect(report.suites.map((s) => [s.name, s.total, s.jobIds.length, s.suiteError !== null])).toEqual([
      ['rspec', 5, 2, false],
      ['lint', 0, 1, true],
    ]);
    expect(report.suites[0]!.testCases!.map((c) => `${c.status}:${c.name}`)).toEqual(['failed:b', 'error:e', 'success:a', 'success:d', 'skipped:c']);
    expect(report.suites[0]!.testCases![0]!.systemOutput).toBe('boom\ntrace');
    expect(await t.coordinator.read.jobTestSummary(byName['rspec 1/2']!.id)).toMatchObject({ total: 3, failed: 1, skipped: 1 });
    const summary = (await t.coordinator.read.testReport(pipeline.id, { cases: false }))!;
    expect(summary.suites[0]!.testCases).toBeUndefined();
    expect(await t.coordinator.read.testReport(999_999, { cases: false })).toBeNull();
    // a gzip that breaks after its first member: the first member's cases stay, with an error
    const broken = Buffer.concat([gzipSync(xml('<testcase name="kept"/>'.repeat(3000))), Buffer.from('not gzip at all')]);
    const { pipeline: p2 } = await t.createPipeline(planOf(['test'], [planJob('again', { tags: ['ju'], artifacts: junit })]));
    const again = (await client.requestJob()).job!;
    expect((await client.uploadArtifact(again, broken, { artifact_format: 'gzip', artifact_type: 'junit' }, 'junit.xml.gz')).status).toBe(201);
    const r2 = (await t.coordinator.read.testReport(p2.id, { cases: true }))!;
    expect(r2.suites[0]!.suiteError).toMatch(/^JUnit XML parsing failed/);
    expect(r2.total).toBeGreaterThan(0);
    expect(r2.total).toBe(r2.suites[0]!.testCases!.length);
  });
});
