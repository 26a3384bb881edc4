// Helpers of the REST client tests: a git repository pushed to the server (the first push creates
// the project), and whether Debian's python-gitlab is here (required when GCD_REQUIRE_PYTHON_GITLAB=1).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function pushRepo(input: { url: string; token: string; project: string; dir: string; files?: Record<string, string> }): Promise<void> {
  mkdirSync(input.dir, { recursive: true });
  const git = (...args: string[]) => run('git', args, { cwd: input.dir, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
  await git('init', '-q', '-b', 'main');
  await git('config', 'user.email', 'dev@example.com');
  await git('config', 'user.name', 'Dev');
  const files = input.files ?? { '.gitlab-ci.yml': 'build:\n  script: [echo hi]\n' };
  for (const [name, text] of Object.entries(files)) writeFileSync(`${input.dir}/${name}`, text);
  await git('add', '-A');
  await git('commit', '-qm', 'first');
  await git('push', '-q', `${input.url.replace('http://', `http://root:${input.token}@`)}/${input.project}.git`, 'main');
}

export async function pythonGitlabAvailable(): Promise<boolean> {
  let ok = existsSync('/usr/bin/python-gitlab');
  if (ok) ok = await run('/usr/bin/python3', ['-c', 'import gitlab']).then(() => true, () => false);
  if (!ok && process.env.GCD_REQUIRE_PYTHON_GITLAB === '1') throw new Error('python-gitlab is required here (GCD_REQUIRE_PYTHON_GITLAB=1): apt-get install python3-gitlab gitlab-cli');
  return ok;
}
