// A small fake "hardware test lab" (think LAVA) for the custom-runner example, on 127.0.0.1.
//
//   POST /api/jobs               body: the job definition (JSON) → 201 {"id": N}
//   GET  /api/jobs/:id           → {"id", "state": "submitted"|"running"|"finished", "health": "unknown"|"complete"|"incomplete"}
//   GET  /api/jobs/:id/logs?start=N → text/plain log bytes from offset N
//
// A definition is {"name": "...", "steps": ["boot", "test", ...], "outcome": "complete"|"incomplete"}.
// The lab "runs" one step per tick (tickMs), writing a log line per step.
import http from 'node:http';

interface LabJob {
  id: number;
  name: string;
  steps: string[];
  outcome: 'complete' | 'incomplete';
  done: number;
  log: string;
  state: 'submitted' | 'running' | 'finished';
  health: 'unknown' | 'complete' | 'incomplete';
}

export interface FakeLab {
  url: string;
  jobs: Map<number, LabJob>;
  close(): Promise<void>;
}

export async function startFakeLab(opts: { tickMs?: number; token?: string } = {}): Promise<FakeLab> {
  const jobs = new Map<number, LabJob>();
  let next = 1;
  const timer = setInterval(() => {
    for (const job of jobs.values()) {
      if (job.state === 'finished') continue;
      job.state = 'running';
      if (job.done < job.steps.length) {
        job.log += `[lab] ${job.name}: step ${job.done + 1}/${job.steps.length} ${job.steps[job.done]} ok\n`;
        job.done++;
      } else {
        job.state = 'finished';
        job.health = job.outcome;
        job.log += `[lab] ${job.name}: finished, health ${job.outcome}\n`;
      }
    }
  }, opts.tickMs ?? 20);
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://lab');
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (opts.token && req.headers.authorization !== `Token ${opts.token}`) return json(401, { error: 'bad token' });
    if (req.method === 'POST' && url.pathname === '/api/jobs') {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      let def: { name?: unknown; steps?: unknown; outcome?: unknown };
      try {
        def = JSON.parse(Buffer.concat(chunks).toString());
      } catch {
        return json(400, { error: 'definition is not JSON' });
      }
      if (!Array.isArray(def.steps) || typeof def.name !== 'string') return json(400, { error: 'definition needs "name" and "steps"' });
      const job: LabJob = {
        id: next++,
        name: def.name,
        steps: def.steps.map(String),
        outcome: def.outcome === 'incomplete' ? 'incomplete' : 'complete',
        done: 0,
        log: '',
        state: 'submitted',
        health: 'unknown',
      };
      jobs.set(job.id, job);
      return json(201, { id: job.id });
    }
    const m = /^\/api\/jobs\/(\d+)(\/logs)?$/.exec(url.pathname);
    const job = m ? jobs.get(Number(m[1])) : undefined;
    if (req.method === 'GET' && job && !m![2]) return json(200, { id: job.id, state: job.state, health: job.health });
    if (req.method === 'GET' && job && m![2]) {
      const start = Number(url.searchParams.get('start') ?? 0);
      return void res.writeHead(200, { 'content-type': 'text/plain' }).end(Buffer.from(job.log).subarray(start));
    }
    json(404, { error: 'not found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    jobs,
    close: () =>
      new Promise<void>((r) => {
        clearInterval(timer);
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
