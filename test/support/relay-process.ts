// A `gitlab-ci-dispatcher relay` child process for the relay tests: one Node process
// (`node --import tsx src/cli/main.ts relay …`), so kill9() is a real crash of the relay (its
// launched environments, in their own process groups, live on).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');
const main = path.join(root, 'src', 'cli', 'main.ts');

export interface RelayProcess {
  url: string;
  pid: number;
  output(): string;
  kill9(): Promise<void>;
  /** SIGTERM and wait for the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

export async function startRelay(args: string[], opts: { env?: NodeJS.ProcessEnv; readyTimeoutMs?: number } = {}): Promise<RelayProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', main, 'relay', ...args], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  let alive = true;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => ((alive = false), resolve(code))));
  const until = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  while (!/relay listening on (\S+)/.test(out)) {
    if (!alive) throw new Error(`relay exited before it was ready:\n${out}`);
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`relay was not ready in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: /relay listening on (\S+)/.exec(out)![1],
    pid: child.pid!,
    output: () => out,
    exited,
    async kill9() {
      if (alive) child.kill('SIGKILL');
      await exited;
    },
    async stop(timeoutMs = 60_000) {
      if (alive) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}
