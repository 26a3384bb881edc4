// The built-in runner of `run`, in its own Node process (started by runner-process.ts). Keeping
// the runner off the server's event loop lets the two use both cores, and every job process is
// forked from this small process rather than from the server (a spawn blocks its caller's loop
// until the child has exec'd). The parent sends {start} once and {stop} at the end, over IPC;
// Ctrl-C reaches this process too, but the parent decides what it means.
import { createRunner, type Runner } from '../runner/index.js';
import type { ChildMessage, ParentMessage } from './runner-process.js';

process.on('SIGINT', () => {});
let runner: Runner | null = null;
let stopping: Promise<void> | null = null;

const send = (m: ChildMessage) => {
  if (process.connected) process.send!(m);
};

function stop(abort: boolean): Promise<void> {
  stopping ??= (runner ? runner.stop({ abort }) : Promise.resolve()).catch((e: unknown) => {
    process.stderr.write(`built-in runner: ${e instanceof Error ? e.message : String(e)}\n`);
  });
  return stopping;
}

process.on('message', (m: ParentMessage) => {
  if (m.type === 'start' && !runner) {
    // the parent (the server) runs with umask 0o077; the jobs' files get the user's usual modes
    if (m.umask !== undefined) process.umask(m.umask);
    // started without it (runner-process.ts); the jobs get the environment `run` was given
    if (m.extraCaCerts !== undefined) process.env.NODE_EXTRA_CA_CERTS = m.extraCaCerts;
    runner = createRunner(m.options);
    runner.start();
    send({ type: 'started' });
  } else if (m.type === 'stop') {
    void stop(m.abort).then(() => {
      send({ type: 'stopped' });
      process.disconnect();
    });
  }
});
// The parent is gone (killed, crashed): stop the jobs rather than run on unattended.
process.on('disconnect', () => void stop(true).then(() => process.exit(0)));
send({ type: 'ready' });
