// Projects that use each other on one server, end to end (real git repositories, real HTTP, the
// built-in shell runner): `include: project:` (with `ref` and a `file` list) reads another
// project's files here, `trigger: project:` creates a pipeline of another project (source
// `pipeline`, forwarded variables, `branch`), and `strategy: depend` gives the bridge the
// downstream pipeline's result. A project not hosted here fails the bridge with
// downstream_bridge_project_not_found. `needs:project` downloads the artifacts of a job of another
// project's latest successful pipeline on a ref, `needs:pipeline: $PARENT_PIPELINE_ID` those of the
// parent pipeline's job; a cross need that cannot be found fails the job (missing_dependency_failure).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createRunner, type Runner } from '../../src/runner/index.js';
import { loadServerConfig } from '../../src/server/config.js';
import { createServer, type DispatcherServer } from '../../src/server/create-server.js';
import { eventually, hostProject } from '../../src/server/test-support/hosted-project.js';

const FINAL = ['success', 'failed', 'canceled', 'skipped'];

describe('projects that use each other on one server', () => {
  let work: string;
  let server: DispatcherServer;
  let runner: Runner;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'gcd-multi-'));
    server = await createServer(loadServerConfig({ flags: { dataDir: path.join(work, 'data'), logLevel: 'silent', webRoot: null } }));
    await server.start();
    const { token } = await server.coordinator.createRunner({ description: 'multi' });
    runner = createRunner({ url: server.url, token, concurrency: 2, buildsDir: path.join(work, 'builds'), cacheDir: path.join(work, 'cache'), pollIntervalMs: 100 });
    void runner.start();
  });
  afterAll(async () => {
    await runner?.stop({ abort: true }).catch(() => undefined);
    await server?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const finished = (id: number) =>
    eventually(async () => {
      const d = await server.coordinator.read.pipeline(id);
      return d && FINAL.includes(d.pipeline.status) ? d : null;
    }, 60_000, `pipeline #${id} to finish`);
  const trace = async (jobId: number) => (await server.readTrace(jobId, 0)).toString();

  test('include: project (ref, file list) and trigger: project with strategy: depend', async () => {
    // the templates project: v1 on a branch, a newer version on main
    await hostProject(server, 'shared/templates', { 'ci/build.yml': 'from-template:\n  stage: build\n  script: [echo "template v1"]\n', 'ci/lint.yml': 'include: { local: ci/extra.yml }\nlint-template:\n  stage: build\n  script: [echo lint]\n', 'ci/extra.yml': 'extra-template:\n  stage: build\n  script: [echo extra]\n' }, 'v1');
    await hostProject(server, 'shared/templates', { 'ci/build.yml': 'from-template:\n  stage: build\n  script: [echo "template main"]\n', 'ci/lint.yml': 'lint-template:\n  stage: build\n  script: [echo lint]\n' }, 'main');
    await hostProject(server, 'team/downstream', { '.gitlab-ci.yml': 'down:\n  script: [echo "down source=$CI_PIPELINE_SOURCE ref=$CI_COMMIT_REF_NAME forwarded=$FROM_UP"]\n' }, 'release');
    const { project: app } = await hostProject(server, 'team/app', {
      '.gitlab-ci.yml': `
stages: [build, deploy]
include:
  - project: shared/templates
    ref: v1
    file: [ci/build.yml, /ci/lint.yml]
deploy:
  stage: deploy
  variables: { FROM_UP: up-value }
  trigger:
    project: team/downstream
    branch: release
    strategy: depend
`,
    });
    const { detail } = await server.automation.pipelineForRef({ project: app, ref: 'main', source: 'push' });
    // ci/extra.yml is a `local:` include of ci/lint.yml: read from shared/templates at v1 (team/app has no such file)
    expect(detail!.jobs.map((j) => j.name).sort()).toEqual(['deploy', 'extra-template', 'from-template', 'lint-template']);
    const done = await finished(detail!.pipeline.id);
    expect(done.pipeline.status).toBe('success');
    expect(await trace(done.jobs.find((j) => j.name === 'from-template')!.id)).toContain('template v1');
    const downstream = (await server.coordinator.read.childPipelines(done.pipeline.id)).find((p) => p.source === 'pipeline')!;
    expect(downstream).toBeTruthy();
    const down = await server.coordinator.read.pipeline(downstream.id);
    expect(down!.project.path).toBe('team/downstream');
    expect(down!.pipeline).toMatchObject({ ref: 'release', status: 'success', source: 'pipeline' });
    expect(await trace(down!.jobs[0].id)).toContain('down source=pipeline ref=release forwarded=up-value');
    expect(await trace(done.jobs.find((j) => j.name === 'deploy')!.id)).toContain(`Created downstream pipeline #${downstream.id} of team/downstream`);
  });

  test('strategy: depend mirrors a failed downstream pipeline; an unknown project fails the bridge', async () => {
    await hostProject(server, 'team/broken', { '.gitlab-ci.yml': 'fails:\n  script: [exit 3]\n' });
    const { project } = await hostProject(server, 'team/caller', {
      '.gitlab-ci.yml': `
to-broken:
  trigger: { project: team/broken, strategy: depend }
to-nowhere:
  trigger: { project: elsewhere/nothing }
`,
    });
    const { detail } = await server.automation.pipelineForRef({ project, ref: 'main', source: 'push' });
    const done = await finished(detail!.pipeline.id);
    const byName = Object.fromEntries(done.jobs.map((j) => [j.name, j]));
    expect(byName['to-broken']).toMatchObject({ status: 'failed' });
    expect(byName['to-nowhere']).toMatchObject({ status: 'failed', failureReason: 'downstream_bridge_project_not_found' });
    expect(done.pipeline.status).toBe('failed');
  });

  test('include: project of a project not hosted here stays a clear configuration error', async () => {
    const { project } = await hostProject(server, 'team/missing-include', { '.gitlab-ci.yml': 'include:\n  - project: nobody/here\n    file: ci.yml\nj:\n  script: [echo]\n' });
    await expect(server.automation.pipelineForRef({ project, ref: 'main', source: 'push' })).rejects.toThrow(/include:project `nobody\/here\/ci.yml` is not available/);
  });

  test('needs:project and needs:pipeline download artifacts of jobs of other pipelines', async () => {
    const { project: lib } = await hostProject(server, 'deps/lib', { '.gitlab-ci.yml': 'build:\n  script: [mkdir -p out, echo "lib-artifact-$CI_PIPELINE_ID" > out/lib.txt]\n  artifacts: { paths: [out/] }\n' });
    const built = await finished((await server.automation.pipelineForRef({ project: lib, ref: 'main', source: 'push' })).detail!.pipeline.id);
    expect(built.pipeline.status).toBe('success');
    const { project: app } = await hostProject(server, 'deps/app', {
      '.gitlab-ci.yml': `
stages: [build, use]
make:
  stage: build
  script: [mkdir -p parent, echo parent-artifact > parent/p.txt]
  artifacts: { paths: [parent/] }
use-lib:
  stage: use
  needs:
    - project: deps/lib
      job: build
      ref: main
      artifacts: true
  script: [cat out/lib.txt]
child:
  stage: use
  needs: [make]
  variables: { PARENT_PIPELINE_ID: $CI_PIPELINE_ID }
  trigger: { include: child.yml, strategy: depend }
missing-lib:
  stage: use
  needs: [{ project: deps/nothing, job: build, ref: main }]
  script: [echo should not run]
`,
      'child.yml': 'read-parent:\n  needs:\n    - pipeline: $PARENT_PIPELINE_ID\n      job: make\n  script: [cat parent/p.txt]\n',
    });
    const done = await finished((await server.automation.pipelineForRef({ project: app, ref: 'main', source: 'push' })).detail!.pipeline.id);
    const byName = Object.fromEntries(done.jobs.map((j) => [j.name, j]));
    expect(byName['use-lib'].status).toBe('success');
    expect(await trace(byName['use-lib'].id)).toContain(`lib-artifact-${built.pipeline.id}`);
    expect(byName['missing-lib']).toMatchObject({ status: 'failed', failureReason: 'missing_dependency_failure' });
    expect(byName.child.status).toBe('success');
    const [child] = await server.coordinator.read.childPipelines(done.pipeline.id);
    const childDetail = await server.coordinator.read.pipeline(child.id);
    expect(await trace(childDetail!.jobs[0].id)).toContain('parent-artifact');
  });

  test('a job triggers another project with its CI_JOB_TOKEN (POST /trigger/pipeline, source pipeline)', async () => {
    const { project: target } = await hostProject(server, 'jt/target', { '.gitlab-ci.yml': 'hello:\n  script: [echo "hello from $CI_PIPELINE_SOURCE with $GREETING"]\n' });
    const { project: caller } = await hostProject(server, 'jt/caller', {
      '.gitlab-ci.yml': `kick:\n  script:\n    - curl -sSf -X POST --form "token=$CI_JOB_TOKEN" --form ref=main --form "variables[GREETING]=hi" "$CI_API_V4_URL/projects/${target.id}/trigger/pipeline"\n`,
    });
    const done = await finished((await server.automation.pipelineForRef({ project: caller, ref: 'main', source: 'push' })).detail!.pipeline.id);
    expect(done.pipeline.status, await trace(done.jobs[0].id)).toBe('success');
    const [downstream] = (await server.coordinator.read.pipelines({ projectId: target.id })).filter((p) => p.source === 'pipeline');
    const down = await finished(downstream.id);
    expect(down.pipeline.status).toBe('success');
    expect(await trace(down.jobs[0].id)).toContain('hello from pipeline with hi');
  });
});
