// One script step in its own bash session (before_script+script is one step; after_script is
// another), output into the trace, stopped through `signal` by killing its process group.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bashScript } from './bash-script.js';
import { runInGroup, type GroupRunResult } from './process-group.js';
import type { JobContext } from '../job/job-context.js';

export interface StepRunOptions {
  name: string;
  commands: string[];
  signal: AbortSignal;
  extraEnv?: Record<string, string>;
  /** `bash --login` (gitlab-runner's default) instead of --noprofile --norc. */
  login?: boolean;
  killGraceMs?: number;
}

export function stepEnv(ctx: JobContext, extra: Record<string, string> = {}): Record<string, string | undefined> {
  // Object.assign, not a spread: a literal spread of this many keys builds a new hidden class per
  // key (about 0.3 ms against 0.02 ms for 125 keys)
  return Object.assign({}, ctx.env, ctx.vars.env, extra);
}

export async function runStep(ctx: JobContext, o: StepRunOptions): Promise<GroupRunResult> {
  // small synchronous calls: cheaper than a thread-pool round trip each
  mkdirSync(ctx.dirs.tmpDir, { recursive: true, mode: 0o700 });
  mkdirSync(ctx.dirs.projectDir, { recursive: true });
  const file = path.join(ctx.dirs.tmpDir, `${o.name.replace(/[^A-Za-z0-9_.-]/g, '_')}.sh`);
  const script = bashScript({
    commands: o.commands,
    cwd: ctx.dirs.projectDir,
    scriptSections: (ctx.vars.get('FF_SCRIPT_SECTIONS') ?? '').trim() === 'true',
  });
  writeFileSync(file, script, { mode: 0o700 });
  try {
    return await runInGroup({
      command: 'bash',
      args: [...(o.login ? ['--login'] : ['--noprofile', '--norc']), file],
      cwd: ctx.dirs.projectDir,
      env: stepEnv(ctx, o.extraEnv),
      onOutput: (b) => ctx.trace.write(b),
      signal: o.signal,
      killGraceMs: o.killGraceMs,
    });
  } finally {
    rmSync(file, { force: true });
  }
}
