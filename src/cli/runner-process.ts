// Starts the built-in runner of `run` as a child Node process (runner-child.ts) and stops it.
// The child is the same program under the same loader flags (tsx in development, plain Node from
// dist), and it receives its options, token included, over IPC rather than on its command line.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunnerOptions } from '../runner/index.js';

/** What the parent can pass: plain data only (no handlers, executors or loggers). */
export type ChildRunnerOptions = Pick<RunnerOptions, 'url' | 'token' | 'concurrency' | 'requestConcurrency' | 'buildsDir' | 'buildsDirName' | 'cacheDir' | 'localRepos' | 'features' | 'description' | 'docker'>;

/**
 * `umask`: the child's file mode mask for the jobs (the server side of `run` runs with 0o077).
 * `extraCaCerts`: the parent's NODE_EXTRA_CA_CERTS, which the child puts back in its environment
 * for the jobs (see forkRunnerProcess).
 */
export type ParentMessage = { type: 'start'; options: ChildRunnerOptions; umask?: number; extraCaCerts?: string } | { type: 'stop'; abort: boolean };
export type ChildMessage = { type: 'ready' } | { type: 'started' } | { type: 'stopped' };

export interface RunnerProcess {
  /** Resolves once the runner polls for jobs; `umask` for the jobs' files. */
  start(options: ChildRunnerOptions, umask?: number): Promise<void>;
  /** Stops it (abort: kill running jobs and report them) and waits for the process to end. */
  stop(opts: { abort: boolean }): Promise<void>;
  /** Called if the process ends before stop() was asked for. */
  onUnexpectedExit(listener: (why: string) => void): void;
}

const self = fileURLToPath(import.meta.url);
const entry = path.join(path.dirname(self), `runner-child${path.extname(self)}`);

export function forkRunnerProcess(): RunnerProcess {
  // Node reads and parses every certificate of NODE_EXTRA_CA_CERTS as it starts (40 ms for a
  // distribution's bundle, before any of our code runs). The child only talks plain HTTP to the
  // server on 127.0.0.1 (and to Docker's socket), so it starts without it and puts it back in its
  // environment before the first job: the jobs see it as they would without this.
  const { NODE_EXTRA_CA_CERTS: extraCaCerts, ...env } = process.env;
  const child: ChildProcess = fork(entry, [], { execArgv: process.execArgv, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
  let exited = false;
  let stopRequested = false;
  let unexpected: ((why: string) => void) | null = null;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      if (!stopRequested) unexpected?.(`the built-in runner exited (${signal ?? `code ${code}`})`);
      resolve();
    });
    child.once('error', (e) => {
      exited = true;
      if (!stopRequested) unexpected?.(`the built-in runner could not start: ${e.message}`);
      resolve();
    });
  });
  const nextMessage = (type: ChildMessage['type']) =>
    new Promise<boolean>((resolve) => {
      const onMessage = (m: ChildMessage) => {
        if (m.type !== type) return;
        child.off('message', onMessage);
        resolve(true);
      };
      child.on('message', onMessage);
      void exit.then(() => {
        child.off('message', onMessage);
        resolve(false);
      });
    });
  const ready = nextMessage('ready');
  return {
    async start(options, umask) {
      if (!(await ready)) throw new Error('the built-in runner process ended before it was ready');
      const started = nextMessage('started');
      child.send({ type: 'start', options, umask, extraCaCerts } satisfies ParentMessage);
      if (!(await started)) throw new Error('the built-in runner process ended while starting');
    },
    async stop({ abort }) {
      stopRequested = true;
      if (exited) return;
      if (child.connected) child.send({ type: 'stop', abort } satisfies ParentMessage);
      // The runner gives up reporting after 30 s on abort; never wait forever on a wedged child.
      const timer = setTimeout(() => child.kill('SIGKILL'), abort ? 40_000 : 24 * 3600_000);
      await exit;
      clearTimeout(timer);
    },
    onUnexpectedExit(listener) {
      unexpected = listener;
    },
  };
}
