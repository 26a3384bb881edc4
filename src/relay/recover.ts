// A relay restarted after a crash (SIGKILL, power loss) reads its state file and, per job:
//   environment still there and the job already handed out → adopt it: the inner runner keeps
//       talking to the relay (its requests were retried while the relay was down);
//   environment still there but the job never picked up → stop it, fail the job upstream;
//   environment gone → deliver the final update the inner runner had sent, if any, else fail
//       the job upstream (runner_system_failure).
// Then the launcher sweeps what is left of this relay's environments (containers of jobs no
// longer in the state file), so nothing outlives the relay unattended.
import { rmSync } from 'node:fs';
import { JobSession } from './job-session.js';
import type { Environment, EnvironmentRef, Launcher } from './launchers/types.js';
import type { RelayLogger } from './logger.js';
import { readStateFile, type StoredJob } from './state-file.js';
import type { Upstream } from './upstream.js';
import { failUpstream, sendFinal } from './fail-job.js';

export interface Recovered {
  session: JobSession;
  env: Environment;
  jobDir: string;
}

function sessionOf(j: StoredJob): JobSession {
  const s = new JobSession({ job: { id: j.jobId, token: j.jobToken, job_info: { name: j.name }, dependencies: j.dependencies }, payload: null, oneTimeToken: j.oneTimeToken, receivedAt: j.times.receivedAt, deadline: j.deadline });
  s.times = { ...j.times };
  s.traceLength = j.traceLength;
  s.final = j.final;
  s.handedOut = j.handedOut;
  s.state = j.handedOut ? 'running' : 'waiting';
  return s;
}

export async function recoverSessions(o: { dataDir: string; launcher: Launcher; upstream: Upstream; logger: RelayLogger }): Promise<Recovered[]> {
  const state = readStateFile(o.dataDir);
  const out: Recovered[] = [];
  const keep: EnvironmentRef[] = [];
  for (const j of state?.jobs ?? []) {
    const s = sessionOf(j);
    const env = j.env ? await o.launcher.adopt(j.env).catch(() => null) : null;
    if (env && j.handedOut) {
      s.env = env;
      if (s.handedOut) s.markPickedUp();
      o.logger.info('adopted the environment of a running job', { job: j.jobId, environment: env.describe() });
      keep.push(env.ref);
      out.push({ session: s, env, jobDir: j.jobDir });
      continue;
    }
    if (env) await env.stop({ graceMs: 5000 });
    const deadline = Math.max(Date.now() + 60_000, j.deadline);
    if (j.final) {
      o.logger.info('delivering the final update of a job whose environment is gone', { job: j.jobId });
      const ok = await sendFinal(o.upstream, s, JSON.parse(j.final.body) as Record<string, unknown>, { deadline, logger: o.logger });
      if (!ok) await failUpstream(o.upstream, s, 'the relay could not deliver the final update', { deadline: Date.now() + 30_000, logger: o.logger });
    } else {
      const why = env ? 'the relay restarted before a runner picked the job up' : 'the relay restarted and the job\'s environment is gone';
      o.logger.warn('failing a job of the previous relay process', { job: j.jobId, why });
      await failUpstream(o.upstream, s, why, { deadline, logger: o.logger });
    }
    if (j.jobDir) rmSync(j.jobDir, { recursive: true, force: true });
  }
  const swept = (await o.launcher.sweep?.(keep).catch(() => 0)) ?? 0;
  if (swept) o.logger.info('removed environments no job owns', { count: swept });
  return out;
}
