// Test helper for the REST client tests: a real server (createServer, SQLite, 127.0.0.1, port 0)
// with the built-in shell runner, root's admin token, and a project whose `.gitlab-ci.yml`
// (CI below) is committed on main: build (artifacts out.txt, dist/), unit (a junit report with a
// pass, a failure and a skip), an optional manual deploy, and — only when FETCH=1 — fetch, which
// downloads build's artifacts by ref with curl and its CI_JOB_TOKEN from $CI_API_V4_URL; and —
// only when BRIDGE=1 — bridge, a trigger job whose child pipeline runs child.yml.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Project } from '../../src/engine/model.js';
import { createRunner, type Runner } from '../../src/runner/index.js';
import { loadServerConfig } from '../../src/server/config.js';
import { createServer, type DispatcherServer } from '../../src/server/create-server.js';

export const SECRET = 'masked-secret-value-42';

export const CI = `
stages: [build, test, deploy]
default:
  before_script: [echo "pipeline for $CI_COMMIT_REF_NAME"]
build:
  stage: build
  rules: [{ if: '$FETCH != "1" && $BRIDGE != "1"' }]
  script:
    - echo "greeting=$GREETING" > out.txt
    - mkdir -p dist && echo "app $GREETING" > dist/app.txt
    - echo "the secret is $SECRET_TOKEN"
  artifacts: { paths: [out.txt, dist/] }
unit:
  stage: test
  rules: [{ if: '$FETCH != "1" && $BRIDGE != "1"' }]
  script:
    - printf '<testsuites><testsuite name="u"><testcase classname="c" name="passes" time="0.5"/><testcase classname="c" name="fails" time="0.25"><failure message="expected 1">boom</failure></testcase><testcase classname="c" name="skips"><skipped/></testcase></testsuite></testsuites>' > report.xml
  artifacts: { when: always, reports: { junit: report.xml } }
deploy:
  stage: deploy
  rules: [{ if: '$FETCH != "1" && $BRIDGE != "1"', when: manual }]
  allow_failure: true
  script: [echo "deploying to $TARGET"]
fetch:
  stage: build
  rules: [{ if: '$FETCH == "1"' }]
  script:
    - 'curl -sS --fail --header "JOB-TOKEN: $CI_JOB_TOKEN" -o build.zip "$CI_API_V4_URL/projects/$CI_PROJECT_ID/jobs/artifacts/main/download?job=build"'
    - head -c 2 build.zip | grep -q PK && echo "zip downloaded"
    - 'curl -sS --fail --header "JOB-TOKEN: $CI_JOB_TOKEN" "$CI_API_V4_URL/projects/$CI_PROJECT_ID/jobs/artifacts/main/raw/out.txt?job=build"'
bridge:
  stage: build
  rules: [{ if: '$BRIDGE == "1"' }]
  trigger:
    include: child.yml
    strategy: depend
`;

export const CHILD_CI = `
child-job:
  script: [echo "in the child"]
`;

export interface RestStack {
  server: DispatcherServer;
  url: string;
  api: string;
  token: string;
  project: Project;
  runner: Runner;
  close(): Promise<void>;
}

export async function startRestStack(): Promise<RestStack> {
  const work = mkdtempSync(path.join(tmpdir(), 'gcd-rest-clients-'));
  const server = await createServer(loadServerConfig({ flags: { dataDir: path.join(work, 'data'), host: '127.0.0.1', port: 0, logLevel: (process.env.GCD_TEST_LOG as 'info') ?? 'silent', webRoot: null, longPollSeconds: 1 } }));
  const url = await server.start();
  const c = server.coordinator;
  const { token } = await c.createApiToken('admin', 'admin');
  const project = await c.ensureProject('team/app');
  const dir = path.join(work, 'src');
  mkdirSync(dir);
  writeFileSync(path.join(dir, '.gitlab-ci.yml'), CI);
  writeFileSync(path.join(dir, 'child.yml'), CHILD_CI);
  await server.importDirectory({ project, dir, committedOnly: false, ref: 'main' });
  await c.setVariable({ projectId: project.id, key: 'SECRET_TOKEN', value: SECRET, masked: true, protected: false, file: false, raw: false });
  const runner = createRunner({ url, token: (await c.createRunner({ runUntagged: true })).token, concurrency: 2, pollIntervalMs: 200, buildsDir: path.join(work, 'builds'), cacheDir: path.join(work, 'cache') });
  runner.start();
  return {
    server,
    url,
    api: `${url}/api/v4`,
    token,
    project,
    runner,
    async close() {
      await runner.stop({ abort: true });
      await server.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
