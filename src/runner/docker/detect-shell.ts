// Which shell the job's image has: bash when it is on the PATH, else sh (busybox, dash). A probe
// container runs `sh -c 'command -v bash'`; an image without even sh cannot run a job.
import { JobFailure } from '../errors.js';
import type { ContainerRunResult } from './run-container.js';

export type ShellKind = 'bash' | 'sh';

export const SHELL_PROBE = ['sh', '-c', 'if command -v bash >/dev/null 2>&1; then echo gcd-shell=bash; else echo gcd-shell=sh; fi'];

export function parseProbeOutput(out: string): ShellKind | null {
  const m = /gcd-shell=(bash|sh)\s*$/m.exec(out);
  return m ? (m[1] as ShellKind) : null;
}

export async function detectShell(run: (cmd: string[], onOutput: (b: Buffer) => void) => Promise<ContainerRunResult>): Promise<ShellKind> {
  let out = '';
  let r: ContainerRunResult;
  try {
    r = await run(SHELL_PROBE, (b) => (out += b.toString('utf8')));
  } catch (e) {
    throw new JobFailure('runner_system_failure', `the image cannot run a shell (sh): ${(e as Error).message.split('\n')[0]}`);
  }
  if (r.aborted) throw new JobFailure('job_canceled', 'canceled');
  const kind = parseProbeOutput(out);
  if (!kind) throw new JobFailure('runner_system_failure', `the image has no usable shell (sh probe exited ${r.exitCode ?? -1}): ${out.trim().split('\n').pop() ?? ''}`);
  return kind;
}
