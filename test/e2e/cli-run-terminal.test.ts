// `run` in a real terminal: tmux (a terminal emulator with a scrollback) runs the CLI in a
// pseudo-terminal of 100×12 and 100×45, and what the user can scroll back to is read with
// `capture-pane -S -`. The live view must fit the terminal: the table is never re-printed into the
// scrollback (each job line at most once), the header and the UI address come first, and an
// allowed failure is counted as GitLab does. Without tmux the suite is skipped with a message.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const haveTmux = spawnSync('tmux', ['-V']).status === 0;
if (!haveTmux) console.warn('[cli-run-terminal] SKIPPED: tmux not found (apt-get install -y tmux)');

const repo = path.resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(path.join(tmpdir(), 'gcd-cli-tty-'));
const socket = path.join(work, 'tmux.sock');
const tmux = (...args: string[]) => execFileSync('tmux', ['-S', socket, ...args], { encoding: 'utf8' });
afterAll(() => {
  // only the tmux server of this test, by its own socket
  if (existsSync(socket)) spawnSync('tmux', ['-S', socket, 'kill-server']);
  rmSync(work, { recursive: true, force: true });
});

const YAML = `stages: [build, test, deploy]
compile: { stage: build, script: [sleep 0.4] }
assets: { stage: build, script: [sleep 0.2] }
docs: { stage: build, script: [echo docs] }
unit:
  stage: test
  parallel: 8
  script: [sleep 1]
flaky:
  stage: test
  allow_failure: true
  script: [exit 1]
codes:
  stage: test
  allow_failure:
    exit_codes: [3]
  script: [exit 3]
ship: { stage: deploy, script: [sleep 0.2] }
notify: { stage: deploy, script: [echo hi] }
`;
const JOBS = ['compile', 'assets', 'docs', ...Array.from({ length: 8 }, (_, i) => `unit ${i + 1}/8`), 'flaky', 'codes', 'ship', 'notify'];

let n = 0;
/** Runs `run` in a fresh tmux window of the given size; returns the scrollback and screen. */
async function runInTerminal(rows: number): Promise<{ lines: string[]; exit: string; screens: string[][] }> {
  const dir = path.join(work, `p${++n}`);
  mkdirSync(dir);
  writeFileSync(path.join(dir, '.gitlab-ci.yml'), YAML);
  const exitFile = path.join(work, `exit-${n}`);
  const conf = path.join(work, 'tmux.conf');
  writeFileSync(conf, 'set -g history-limit 50000\nset -g remain-on-exit on\nset -g status off\n');
  const command = `${path.join(repo, 'node_modules', '.bin', 'tsx')} ${path.join(repo, 'src', 'cli', 'main.ts')} run ${dir} --concurrency 3; echo $? > ${exitFile}`;
  tmux('-f', conf, 'new-session', '-d', '-s', `t${n}`, '-x', '100', '-y', String(rows), command);
  const end = Date.now() + 100_000;
  const screens: string[][] = []; // what the terminal showed while the pipeline ran
  while (!existsSync(exitFile) || readFileSync(exitFile, 'utf8') === '') {
    if (Date.now() > end) throw new Error(`run did not end: ${tmux('capture-pane', '-p', '-t', `t${n}`)}`);
    screens.push(tmux('capture-pane', '-p', '-t', `t${n}`).split('\n'));
    await new Promise((r) => setTimeout(r, 200));
  }
  const lines = tmux('capture-pane', '-p', '-t', `t${n}`, '-S', '-', '-E', '-').split('\n').map((l) => l.trimEnd());
  tmux('kill-session', '-t', `t${n}`);
  while (lines.length && (lines[lines.length - 1] === '' || lines[lines.length - 1].startsWith('Pane is dead'))) lines.pop();
  return { lines, exit: readFileSync(exitFile, 'utf8').trim(), screens };
}

const jobLine = (name: string) => new RegExp(`^ {2}\\S \\w+ +${name.replace(/[/]/g, '\\/')}( |$)`);
const duplicates = (lines: string[]) => lines.filter((l, i) => l.trim() !== '' && lines.indexOf(l) !== i);

describe.skipIf(!haveTmux)('run in a terminal (tmux)', () => {
  it('at 100×12 the live view fits: no table re-printed into the scrollback', async () => {
    const { lines, exit, screens } = await runInTerminal(12);
    const text = lines.join('\n');
    expect(exit, text).toBe('0');
    // While jobs run, the header and the UI address stay on screen above the view.
    const running = screens.filter((sc) => sc.some((l) => / running /.test(l)) && !sc.some((l) => /^Pipeline #\d+ passed/.test(l)));
    expect(running.length).toBeGreaterThan(3);
    for (const sc of running) {
      expect(sc[0], sc.join('\n')).toMatch(/^Pipeline #\d+ for main \(15 jobs\)$/);
      expect(sc[1], sc.join('\n')).toMatch(/^ {2}UI: http:\/\/127\.0\.0\.1:\d+\//);
    }
    expect(lines.filter((l) => /^Pipeline #\d+ for main \(15 jobs\)$/.test(l)), text).toHaveLength(1);
    expect(lines.filter((l) => /^ {2}UI: http:\/\/127\.0\.0\.1:\d+\//.test(l)), text).toHaveLength(1);
    // Everything the user can scroll back to: the header, one view (below the header, which stays
    // on screen while the pipeline runs), the summary.
    expect(lines.length, text).toBeLessThanOrEqual(2 + 9 + 2);
    expect(duplicates(lines), text).toEqual([]);
    for (const name of JOBS) expect(lines.filter((l) => jobLine(name).test(l)).length, `${name}\n${text}`).toBeLessThanOrEqual(1);
    expect(text).toMatch(/^Pipeline #\d+ passed with warnings in [\d.]+s: 13 success, 2 allowed to fail$/m);
    // a stage that did not fit is one line with its counts
    expect(text).toMatch(/ test: 8 success, 2 allowed to fail$/m);
  }, 120_000);

  it('at 100×45 every job is shown once, allowed failures as such', async () => {
    const { lines, exit } = await runInTerminal(45);
    const text = lines.join('\n');
    expect(exit, text).toBe('0');
    expect(duplicates(lines), text).toEqual([]);
    for (const name of JOBS) expect(lines.filter((l) => jobLine(name).test(l)).length, `${name}\n${text}`).toBe(1);
    expect(text).toMatch(/⚠ failed +flaky \(allowed to fail\)/);
    expect(text).toMatch(/⚠ failed +codes \(allowed to fail\)/);
    expect(text).not.toMatch(/✖/);
    expect(lines.length, text).toBeLessThanOrEqual(2 + 3 + 15 + 2);
    expect(text).toMatch(/^Pipeline #\d+ passed with warnings in [\d.]+s: 13 success, 2 allowed to fail$/m);
  }, 120_000);
});
