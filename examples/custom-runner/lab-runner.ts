// A custom runner built with the SDK: script lines are handled in-process, not by a shell.
//
//   lab-job:
//     tags: [lab]
//     needs: [prepare]              # prepare's artifacts hold lab-job.json
//     variables: { LAB_URL: "http://…", LAB_TOKEN: "…" }   # LAB_TOKEN masked in real life
//     script:
//       - submit lab-job.json       # → handlers.submit(ctx, ["lab-job.json"])
//     artifacts: { when: always, paths: ["lab-*.log"] }
//
// `submit FILE` takes FILE from the dependencies' artifacts, submits it to the lab, follows the
// lab's log into the job log, saves the whole lab log as lab-<id>.log (uploaded as an
// artifact) and fails the job when the lab reports the run "incomplete".
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRunner, fail, ok, type CommandHandler, type HandlerContext, type RunnerOptions } from '../../src/runner/index.js';

function labClient(ctx: HandlerContext) {
  const base = ctx.variables.LAB_URL;
  if (!base) throw new Error('LAB_URL is not set');
  const headers: Record<string, string> = ctx.variables.LAB_TOKEN ? { authorization: `Token ${ctx.variables.LAB_TOKEN}` } : {};
  const call = async (p: string, init: RequestInit = {}) => {
    const res = await fetch(new URL(p, base), { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) }, signal: ctx.signal });
    if (!res.ok) throw new Error(`lab answered ${res.status} to ${init.method ?? 'GET'} ${p}: ${await res.text()}`);
    return res;
  };
  return { call };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

export const submit: CommandHandler = async (ctx, args) => {
  if (args.length !== 1) return fail(`usage: submit FILE (got ${args.length} arguments)`);
  const file = await ctx.dependencyFile(args[0]);
  if (!file) return fail(`${args[0]}: not found in the artifacts of this job's dependencies`);
  const definition = await readFile(file, 'utf8');
  const lab = labClient(ctx);
  const { id } = (await (await lab.call('/api/jobs', { method: 'POST', body: definition, headers: { 'content-type': 'application/json' } })).json()) as { id: number };
  ctx.trace.writeln(`Submitted ${args[0]} to the lab as job ${id}`);
  let offset = 0;
  let log = '';
  const pollMs = Number(ctx.variables.LAB_POLL_MS || 50);
  for (;;) {
    const status = (await (await lab.call(`/api/jobs/${id}`)).json()) as { state: string; health: string };
    const chunk = await (await lab.call(`/api/jobs/${id}/logs?start=${offset}`)).text();
    if (chunk) {
      ctx.trace.write(chunk);
      log += chunk;
      offset += Buffer.byteLength(chunk);
    }
    if (status.state === 'finished') {
      await writeFile(path.join(ctx.artifactsDir, `lab-${id}.log`), log);
      ctx.trace.writeln(`Lab job ${id} finished: ${status.health}`);
      return status.health === 'complete' ? ok() : fail(`lab job ${id} ended "${status.health}"`);
    }
    await sleep(pollMs, ctx.signal);
  }
};

/** The lab runner: `submit FILE` lines, nothing else. */
export function createLabRunner(opts: Omit<RunnerOptions, 'route' | 'handlers'>) {
  return createRunner({ ...opts, route: { byCommand: { submit } } });
}
