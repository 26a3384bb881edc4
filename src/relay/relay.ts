// createRelay: a runner to an upstream GitLab (or gitlab-ci-dispatcher) that runs each job it
// takes in a fresh environment started by a launcher, and serves that job to the runner inside
// through a one-job runner API (inner-server.ts) that proxies everything else upstream.
//
// Poller state machine (as the built-in runner's, runner/runner.ts):
//   polling ── 201 ─► start a session, poll again at once while there is capacity
//           ── 204 ─► wait the rest of pollInterval (a held long poll re-polls at once)
//           ── 403 ─► unhealthy; wait 10 × pollInterval, try again (never drop running jobs)
//           ── other/transport (after the client's retries) ─► wait pollInterval
//   full (maxJobs sessions) or overloaded ─► wait for a slot / look again in 5 s
//   stopping ─► abort the open poll; sessions finish within shutdownTimeout, then the rest are
//           failed upstream and torn down; the state file is left empty.
// A session's life is in job-session.ts; supervise() below drives it.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { RunnerInfo } from '../runner-api/protocol.js';
import type { RetryPolicy } from '../runner/network/retry-policy.js';
import { pause } from '../runner/network/sleep.js';
import { apiBaseUrl } from '../runner/network/base-url.js';
import { parseListen, relayBaseUrl, type RelayConfig } from './config.js';
import { JobSession } from './job-session.js';
import type { Environment, Launcher } from './launchers/types.js';
import { silentRelayLogger, type RelayLogger } from './logger.js';
import { relayMetrics, type RelayMetrics } from './metrics.js';
import { UpstreamProxy } from './proxy.js';
import { createInnerServer } from './inner-server.js';
import { rewritePayload, shortenTimeout } from './rewrite.js';
import { storedJobOf, writeStateFile } from './state-file.js';
import { Upstream, type UpstreamJobResult } from './upstream.js';
import { failUpstream, sendFinal } from './fail-job.js';
import { recoverSessions } from './recover.js';

export interface RelayOptions {
  config: RelayConfig;
  launcher: Launcher;
  /** The runner info announced upstream: that of the runner that really runs the jobs. */
  info: RunnerInfo;
  systemId: string;
  logger?: RelayLogger;
  /** Null when a job may be taken, else why not (load/free-memory limits). */
  overloaded?: () => string | null;
  retry?: Partial<RetryPolicy>;
  /** After the job is over, how long the environment may take to end by itself. Default 3 s. */
  exitGraceMs?: number;
  /** Keep-alive PUT while the environment starts. Default 30 s. */
  keepAliveMs?: number;
}

export interface Relay {
  /** Binds the listen address, recovers the state file, starts polling. Resolves with RELAY_URL. */
  start(): Promise<string>;
  /** SIGTERM semantics: no new jobs; running ones get shutdownTimeout, then are failed and torn down. */
  stop(): Promise<void>;
  readonly url: string;
  sessions(): JobSession[];
  readonly metrics: RelayMetrics;
  readonly done: Promise<void>;
}

type Ending = 'over' | 'exited' | 'deadline' | 'stop' | 'timeout' | 'picked-up' | 'abort';

export function createRelay(o: RelayOptions): Relay {
  const cfg = o.config;
  const logger = o.logger ?? silentRelayLogger;
  const metrics = relayMetrics();
  const upstream = new Upstream({ url: cfg.upstreamUrl, logger, retry: o.retry });
  const proxy = new UpstreamProxy();
  const sessions = new Map<number, JobSession>();
  const jobDirs = new Map<number, string>();
  const tasks = new Set<Promise<void>>();
  const pollCtl = new AbortController();
  const hardStop = new AbortController();
  const exitGrace = o.exitGraceMs ?? o.launcher.exitGraceMs ?? 3000;
  const jobsRoot = path.join(cfg.dataDir, 'jobs');
  let relayUrl = '';
  let upstreamState: 'ok' | 'unreachable' | 'forbidden' | 'starting' = 'starting';
  let stopping = false;
  let wakeUp: (() => void) | null = null;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  let loop: Promise<void> = Promise.resolve();

  const active = () => [...sessions.values()].filter((s) => s.state !== 'torn-down');
  const persist = () => {
    try {
      writeStateFile(cfg.dataDir, { listen: cfg.listen, jobs: active().map((s) => storedJobOf(s, jobDirs.get(s.jobId) ?? '', s.dependencies)) });
    } catch (e) {
      logger.error('could not write the state file', { error: (e as Error).message });
    }
  };
  const since = (t: number | undefined, from: number | undefined) => (t !== undefined && from !== undefined ? t - from : undefined);
  const wake = () => wakeUp?.();
  const waitFor = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(finish, ms);
      function finish() {
        clearTimeout(t);
        wakeUp = null;
        resolve();
      }
      wakeUp = finish;
      if (pollCtl.signal.aborted) finish();
    });
  const timer = (ms: number, value: Ending) =>
    new Promise<Ending>((r) => {
      const t = setTimeout(() => r(value), Math.max(0, ms));
      t.unref();
    });
  const aborted = (signal: AbortSignal, value: Ending) =>
    new Promise<Ending>((r) => (signal.aborted ? r(value) : signal.addEventListener('abort', () => r(value), { once: true })));

  const server = createInnerServer({
    sessions: () => sessions.values(),
    apiBase: apiBaseUrl(cfg.upstreamUrl),
    proxy,
    logger,
    metrics,
    proxyGit: cfg.proxyGit,
    proxyArtifacts: cfg.proxyArtifacts,
    onPickup(s) {
      s.markPickedUp();
      const launchMs = since(s.times.launchedAt, s.times.launchStartedAt) ?? 0;
      const totalMs = since(s.times.pickedUpAt, s.times.receivedAt) ?? 0;
      metrics.pickupSeconds.observe(totalMs / 1000);
      // launchMs: the launcher's call; bootMs: from launched to the runner's first poll (VM/runner boot)
      logger.info('job picked up by the inner runner', { job: s.jobId, sinceReceivedMs: totalMs, launchMs, bootMs: since(s.times.pickedUpAt, s.times.launchedAt) ?? 0 });
      persist();
    },
    onChange: () => persist(),
    onOver(s, outcome) {
      if (s.isOver) return;
      s.markOver(outcome);
      logger.info('job finished', { job: s.jobId, outcome, runMs: since(s.times.overAt, s.times.pickedUpAt) });
    },
    payloadFor(s) {
      const raw = s.payload ?? '{}';
      s.payload = null;
      const timed = shortenTimeout(raw, Date.now() - s.times.receivedAt);
      return rewritePayload(timed, { upstreamUrl: cfg.upstreamUrl, relayUrl, git: cfg.proxyGit });
    },
    status: () => ({
      pid: process.pid,
      listen: cfg.listen,
      url: relayUrl,
      upstream: { url: cfg.upstreamUrl, state: upstreamState },
      launcher: o.launcher.kind,
      maxJobs: cfg.maxJobs,
      stopping,
      jobs: active().map((s) => s.view()),
    }),
    health: () => ({ ok: upstreamState !== 'forbidden' && !stopping, upstream: upstreamState, jobs: active().length, stopping }),
  });

  const logTail = (jobId: number): string | undefined => {
    try {
      return readFileSync(path.join(jobDirs.get(jobId) ?? '', 'environment.log'), 'utf8').slice(-2000) || undefined;
    } catch {
      return undefined;
    }
  };

  /** Fails the job upstream (message in its trace) and marks it over. */
  async function fail(s: JobSession, message: string, deadline = s.deadline): Promise<void> {
    logger.warn('failing the job upstream', { job: s.jobId, message, environmentLog: logTail(s.jobId) });
    await failUpstream(upstream, s, message, { deadline, logger });
    s.markOver('relay_failed');
  }

  async function keepAlive(s: JobSession, stop: Promise<unknown>): Promise<void> {
    const every = o.keepAliveMs ?? 30_000;
    let go = true;
    void stop.then(() => (go = false));
    while (go) {
      if ((await Promise.race([stop.then(() => 'stop'), timer(every, 'timeout')])) === 'stop') return;
      if (!go || s.handedOut) return;
      const r = await upstream.client.updateJob(s.jobId, s.jobToken, { state: 'running', info: o.info }).catch(() => null);
      if (r && (r.outcome === 'abort' || r.outcome === 'not-found')) {
        logger.info('the upstream ended the job while its environment started', { job: s.jobId, status: r.status, jobStatus: r.jobStatus });
        s.markOver(r.jobStatus === 'canceled' ? 'canceled' : 'aborted');
        return;
      }
    }
  }

  /** Drives one session from its environment's start to its teardown. */
  async function supervise(s: JobSession, env: Environment | null, opts: { adopted?: boolean } = {}): Promise<void> {
    const jobDir = jobDirs.get(s.jobId)!;
    const ctl = new AbortController();
    const onHard = () => ctl.abort();
    hardStop.signal.addEventListener('abort', onHard, { once: true });
    try {
      if (!env) {
        s.state = 'launching';
        s.times.launchStartedAt = Date.now();
        persist();
        const launching = o.launcher.launch(
          { jobId: s.jobId, jobName: s.name, relayUrl, token: s.oneTimeToken, image: s.image, tags: s.tags, jobDir, logFile: path.join(jobDir, 'environment.log') },
          ctl.signal,
        );
        const first = await Promise.race([launching.then(() => 'launched' as const, (e: Error) => e), timer(cfg.launchTimeout * 1000, 'timeout'), aborted(ctl.signal, 'stop')]);
        if (first !== 'launched') {
          void launching.then((e) => e.stop({ graceMs: 2000 }), () => undefined);
          const why = first === 'timeout' ? `the ${o.launcher.kind} launcher did not start within ${cfg.launchTimeout}s` : first === 'stop' ? 'the relay is shutting down' : `the ${o.launcher.kind} launcher failed: ${(first as Error).message}`;
          await fail(s, why, first === 'stop' ? Date.now() + 30_000 : s.deadline);
          return;
        }
        env = await launching;
        s.env = env;
        s.times.launchedAt = Date.now();
        if (!s.handedOut) s.state = 'waiting';
        metrics.launchSeconds.observe((s.times.launchedAt - s.times.launchStartedAt) / 1000);
        logger.info('environment launched', { job: s.jobId, environment: env.describe(), launchMs: s.times.launchedAt - s.times.launchStartedAt });
        persist();
      }
      metrics.running.inc();
      if (!s.handedOut) {
        const stopKeepAlive = new AbortController();
        void keepAlive(s, aborted(stopKeepAlive.signal, 'stop'));
        const left = (s.times.launchStartedAt ?? s.times.receivedAt) + cfg.launchTimeout * 1000 - Date.now();
        const r = await Promise.race([s.pickedUp.then(() => 'picked-up' as Ending), s.over.then(() => 'over' as Ending), env.exited.then(() => 'exited' as Ending), timer(left, 'timeout'), aborted(ctl.signal, 'stop')]);
        stopKeepAlive.abort();
        if (r !== 'picked-up' && r !== 'over') {
          await env.stop({ graceMs: 5000 });
          const why =
            r === 'timeout'
              ? `no runner picked the job up within ${cfg.launchTimeout}s of its launch (--launch-timeout)`
              : r === 'exited'
                ? `the environment ended before a runner picked the job up (${await env.exited})`
                : 'the relay is shutting down';
          await fail(s, why, r === 'stop' ? Date.now() + 30_000 : s.deadline);
          return;
        }
      }
      const r = await Promise.race([s.over.then(() => 'over' as Ending), env.exited.then(() => 'exited' as Ending), timer(s.deadline - Date.now(), 'deadline'), aborted(ctl.signal, 'stop')]);
      if (r === 'exited' && !s.isOver) {
        // the final PUT may still be on its way (or the upstream is down and the relay holds it)
        await Promise.race([s.over, timer(exitGrace, 'timeout')]);
        if (!s.isOver && s.final) {
          logger.info('the inner runner is gone; delivering its final update', { job: s.jobId });
          const ok = await sendFinal(upstream, s, JSON.parse(s.final.body) as Record<string, unknown>, { deadline: s.deadline, logger, signal: hardStop.signal });
          s.markOver(ok ? s.final.state : 'relay_failed');
        } else if (!s.isOver) await fail(s, `the runner in the environment ended before reporting the job's end (${await env.exited})`);
      } else if (r === 'deadline' || r === 'stop') {
        await env.stop({ graceMs: 5000 });
        if (!s.isOver) await fail(s, r === 'deadline' ? 'the job ran past its deadline' : 'the relay is shutting down', r === 'stop' ? Date.now() + 30_000 : s.deadline);
      }
    } finally {
      hardStop.signal.removeEventListener('abort', onHard);
      await teardown(s, env, opts.adopted);
    }
  }

  async function teardown(s: JobSession, env: Environment | null, adopted?: boolean): Promise<void> {
    const started = Date.now();
    if (env) {
      await Promise.race([env.exited, timer(exitGrace, 'timeout')]);
      await env.stop({ graceMs: 10_000 }).catch((e: Error) => logger.error('teardown failed', { job: s.jobId, error: e.message }));
      metrics.running.dec();
    }
    const dir = jobDirs.get(s.jobId);
    if (dir) rmSync(dir, { recursive: true, force: true });
    s.markOver(s.outcome ?? 'unknown');
    s.state = 'torn-down';
    s.times.tornDownAt = Date.now();
    metrics.jobs.inc({ outcome: s.outcome ?? 'unknown' });
    metrics.jobSeconds.observe((s.times.tornDownAt - s.times.receivedAt) / 1000);
    logger.info('environment torn down', { job: s.jobId, outcome: s.outcome, adopted: Boolean(adopted), teardownMs: s.times.tornDownAt - started, totalMs: s.times.tornDownAt - s.times.receivedAt });
    sessions.delete(s.jobId);
    jobDirs.delete(s.jobId);
    persist();
    wake();
  }

  const track = (p: Promise<void>) => {
    const q = p.catch((e: Error) => logger.error('session crashed', { error: e.message })).finally(() => tasks.delete(q));
    tasks.add(q);
  };

  function receive(r: Extract<UpstreamJobResult, { kind: 'job' }>): void {
    const s = new JobSession({ job: r.job, payload: r.raw });
    s.image = r.job.image?.name ?? '';
    s.tags = (r.job.variables.find((v) => v.key === 'CI_RUNNER_TAGS')?.value ?? '').replace(/[[\]"\s]/g, '').split(',').filter(Boolean);
    const dir = path.join(jobsRoot, String(s.jobId));
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    sessions.set(s.jobId, s);
    jobDirs.set(s.jobId, dir);
    logger.info('job received', { job: s.jobId, name: s.name, pipeline: r.job.job_info.pipeline_id, project: r.job.job_info.project_name, timeoutS: r.job.runner_info.timeout });
    persist();
    track(supervise(s, null));
  }

  async function pollLoop(): Promise<void> {
    while (!pollCtl.signal.aborted) {
      if (active().length >= cfg.maxJobs) {
        await waitFor(60_000);
        continue;
      }
      const why = o.overloaded?.() ?? null;
      if (why) {
        logger.debug(`refusing new jobs: ${why}`);
        await waitFor(5000);
        continue;
      }
      const hadLastUpdate = upstream.lastUpdate !== undefined;
      let r: UpstreamJobResult;
      try {
        r = await upstream.requestJob({ token: cfg.upstreamToken, systemId: o.systemId, info: o.info, signal: pollCtl.signal });
      } catch (e) {
        if (pollCtl.signal.aborted) break;
        r = { kind: 'failed', status: -1, message: (e as Error).message };
      }
      metrics.requests.inc({ result: r.kind });
      if (r.kind === 'job') {
        upstreamState = 'ok';
        receive(r);
        continue;
      }
      if (r.kind === 'forbidden') {
        if (upstreamState !== 'forbidden') logger.error(`the upstream refused the runner token (403: ${r.message})`);
        upstreamState = 'forbidden';
        await waitFor(cfg.pollInterval * 10);
        continue;
      }
      if (r.kind === 'failed') {
        upstreamState = r.status === -1 ? 'unreachable' : 'ok';
        logger.warn('checking for jobs... failed', { status: r.status, message: r.message });
        if (r.lost) void failLost(r.lost, r.message);
        await waitFor(cfg.pollInterval);
        continue;
      }
      upstreamState = 'ok';
      if (!hadLastUpdate && upstream.lastUpdate !== undefined) continue;
      await waitFor(Math.max(0, cfg.pollInterval - r.heldMs));
    }
  }

  async function failLost(lost: { id: number; token: string }, message: string): Promise<void> {
    const s = new JobSession({ job: lost, payload: null });
    await failUpstream(upstream, s, `the relay cannot run this job: ${message}`, { deadline: Date.now() + 60_000, logger });
  }

  return {
    get url() {
      return relayUrl;
    },
    metrics,
    done,
    sessions: () => active(),
    async start() {
      mkdirSync(jobsRoot, { recursive: true, mode: 0o700 });
      const { host, port } = parseListen(cfg.listen);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      const addr = server.address() as AddressInfo;
      relayUrl = relayBaseUrl(cfg, { host, port: addr.port });
      logger.info('listening', { url: relayUrl, upstream: cfg.upstreamUrl, launcher: o.launcher.kind, maxJobs: cfg.maxJobs });
      const recovered = await recoverSessions({ dataDir: cfg.dataDir, launcher: o.launcher, upstream, logger });
      for (const { session, env, jobDir } of recovered) {
        sessions.set(session.jobId, session);
        jobDirs.set(session.jobId, jobDir);
        track(supervise(session, env, { adopted: true }));
      }
      persist();
      loop = pollLoop().catch((e: Error) => logger.error('poll loop crashed', { error: e.message }));
      return relayUrl;
    },
    async stop() {
      if (stopping) return done;
      stopping = true;
      logger.info('stopping: no new jobs', { running: active().length, shutdownTimeoutS: cfg.shutdownTimeout });
      pollCtl.abort();
      wake();
      await loop;
      const all = Promise.allSettled([...tasks]);
      const grace = new AbortController();
      const settled = await Promise.race([all.then(() => true), pause(cfg.shutdownTimeout * 1000, grace.signal).then(() => false)]);
      grace.abort();
      if (!settled) {
        logger.warn('shutdown timeout passed: failing the running jobs upstream', { jobs: active().map((s) => s.jobId) });
        hardStop.abort();
        await all;
      }
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
      await upstream.close();
      await proxy.close();
      persist();
      resolveDone();
      return done;
    },
  };
}
