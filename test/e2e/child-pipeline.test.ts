// `trigger: include` creates a child pipeline from local files; with `strategy: depend` the
// trigger job takes the child's result, which then gates later stages of the parent.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../support/run-cli.js';
import { createServer } from '../../src/server/create-server.js';
import { loadServerConfig } from '../../src/server/config.js';

const work = mkdtempSync(path.join(tmpdir(), 'gcd-child-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function project(name: string, childScript: string): string {
  const dir = path.join(work, name);
  mkdirSync(path.join(dir, 'ci'), { recursive: true });
  writeFileSync(
    path.join(dir, '.gitlab-ci.yml'),
    `
stages: [build, downstream, after]
build:
  stage: build
  script: [echo parent-build]
child:
  stage: downstream
  variables:
    FROM_PARENT: forwarded-value
  trigger:
    include: ci/child.yml
    strategy: depend
fire-and-forget:
  stage: downstream
  trigger:
    include: [ci/child.yml]
after:
  stage: after
  script: [echo after-child]
`,
  );
  writeFileSync(
    path.join(dir, 'ci', 'child.yml'),
    `
child-job:
  script:
    - echo "source=$CI_PIPELINE_SOURCE var=$FROM_PARENT"
    - ${childScript}
`,
  );
  return dir;
}

async function childTraces(data: string) {
  const server = await createServer(loadServerConfig({ flags: { dataDir: data, logLevel: 'silent', webRoot: null } }));
  try {
    const pipelines = await server.coordinator.read.pipelines({});
    const children = pipelines.filter((p) => p.parentPipelineId !== null);
    const traces: string[] = [];
    for (const child of children) {
      for (const job of (await server.coordinator.read.pipeline(child.id))!.jobs) traces.push((await server.readTrace(job.id, 0)).toString());
    }
    return { children, traces };
  } finally {
    await server.close();
  }
}

describe('child pipelines', () => {
  it('runs the child; depend makes the bridge succeed and the parent continue', async () => {
    const data = path.join(work, 'data-ok');
    const r = await runCli(['run', project('ok', 'exit 0'), '--json', '--data', data]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const jobs = Object.fromEntries(JSON.parse(r.stdout).jobs.map((j: { name: string; status: string }) => [j.name, j.status]));
    expect(jobs).toMatchObject({ build: 'success', child: 'success', 'fire-and-forget': 'success', after: 'success' });
    const { children, traces } = await childTraces(data);
    expect(children.length).toBe(2);
    for (const c of children) expect(c.source).toBe('parent_pipeline');
    expect(traces.some((t) => t.includes('source=parent_pipeline var=forwarded-value'))).toBe(true);
  });

  it('a failing child fails the depend bridge and the parent', async () => {
    const r = await runCli(['run', project('bad', 'exit 4'), '--json', '--data', path.join(work, 'data-bad')]);
    expect(r.code).toBe(1);
    const jobs = Object.fromEntries(JSON.parse(r.stdout).jobs.map((j: { name: string; status: string }) => [j.name, j.status]));
    expect(jobs.child).toBe('failed');
    expect(jobs['fire-and-forget']).toBe('success');
    expect(jobs.after).toBe('skipped');
  });
});
