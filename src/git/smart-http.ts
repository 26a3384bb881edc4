// Git smart HTTP (the protocol `git http-backend` speaks), by running the service helpers with
// --stateless-rpc: whole small requests from a step driver (runGitService), streamed ones spawned
// (spawnGitService). Protocol v2 is passed through with GIT_PROTOCOL (from the Git-Protocol header).
//
//   GET  <repo>/info/refs?service=git-upload-pack|git-receive-pack
//        -> "# service=..." pkt-line + flush (v0/v1 only) + `<service> --advertise-refs`
//   POST <repo>/git-upload-pack | git-receive-pack
//        -> request body (gunzipped if Content-Encoding: gzip) on stdin, stdout is the result.
// receive-pack runs with receive.hideRefs for the server-managed namespaces (SERVER_MANAGED_REFS).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Writable } from 'node:stream';
import { runOnDriver, stepDriverEnabled, type DriverHandle } from '../util/step-driver.js';
import { gitEnv } from './run-git.js';

/**
 * Ref namespaces the server manages (refs/pipelines/<id> pins a pipeline's commit) or that GitLab
 * reserves: hidden from pushers and refused per ref by receive-pack ("deny updating a hidden
 * ref"), as GitLab does. Fetching them (the runner's refspecs) is unaffected.
 */
export const SERVER_MANAGED_REFS = ['refs/pipelines/', 'refs/keep-around/', 'refs/merge-requests/', 'refs/environments/', 'refs/tmp/'] as const;

export const isServerManagedRef = (ref: string) => SERVER_MANAGED_REFS.some((prefix) => ref.startsWith(prefix));

export type GitService = 'git-upload-pack' | 'git-receive-pack';

export const isGitService = (s: unknown): s is GitService => s === 'git-upload-pack' || s === 'git-receive-pack';

/** A Git-Protocol header value that is safe to pass on ("version=2", "version=2:object-format=sha1"). */
export function gitProtocolOf(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value && /^[A-Za-z0-9=:.,_-]{1,200}$/.test(value) ? value : undefined;
}

export interface GitServiceCall {
  service: GitService;
  repo: string;
  advertise: boolean;
  protocol?: string;
}

function serviceArgs(options: GitServiceCall): string[] {
  const sub = options.service === 'git-upload-pack' ? 'upload-pack' : 'receive-pack';
  const hide = sub === 'receive-pack' ? SERVER_MANAGED_REFS.flatMap((prefix) => ['-c', `receive.hideRefs=${prefix.replace(/\/$/, '')}`]) : [];
  return [...hide, sub, '--stateless-rpc', ...(options.advertise ? ['--advertise-refs'] : []), options.repo];
}

const serviceEnv = (options: GitServiceCall) => gitEnv({ GIT_PROTOCOL: options.protocol, GIT_HTTP_EXPORT_ALL: '1' });

/** The service helper as a child of this process, its stdin and stdout streamed (pushes, large requests). */
export function spawnGitService(options: GitServiceCall): ChildProcessWithoutNullStreams {
  return spawn('git', serviceArgs(options), { env: serviceEnv(options), stdio: ['pipe', 'pipe', 'pipe'] });
}

export interface GitServiceRun {
  /** The exit status and the start of stderr, once the output has all been written to `out`. */
  done: Promise<{ code: number; stderr: string }>;
  /** Stops the helper (the client went away); nothing once it has ended. */
  kill(): void;
}

/**
 * The service helper with its whole request as `input` (an advertisement or a fetch
 * negotiation: small), its output written to `out` as it comes, with backpressure; `out` is not
 * ended. Started from a step driver (no fork of the server's process), or spawned with
 * GCD_STEP_DRIVER=0.
 */
export function runGitService(options: GitServiceCall & { input?: Buffer }, out: Writable): GitServiceRun {
  if (!stepDriverEnabled()) {
    const child = spawnGitService(options);
    child.stdout.pipe(out, { end: false });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString('utf8');
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
    const done = new Promise<{ code: number; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stderr })));
    return { done, kill: () => (child.exitCode === null ? void child.kill() : undefined) };
  }
  const h: DriverHandle = runOnDriver({
    command: 'git',
    args: serviceArgs(options),
    cwd: options.repo,
    env: serviceEnv(options),
    input: options.input,
    separateStderr: true,
    onOutput: (b) => {
      if (!out.write(b)) {
        h.pause();
        out.once('drain', () => h.resume());
      }
    },
  });
  return { done: h.done.then((code) => ({ code, stderr: h.stderr().toString('utf8').slice(0, 4096) })), kill: () => h.kill('SIGTERM') };
}

/** The pkt-line header of an info/refs answer for protocol v0/v1. */
export function serviceAnnouncement(service: GitService): Buffer {
  const line = `# service=${service}\n`;
  const len = (line.length + 4).toString(16).padStart(4, '0');
  return Buffer.from(`${len}${line}0000`, 'latin1');
}

export const NO_CACHE_HEADERS = {
  expires: 'Fri, 01 Jan 1980 00:00:00 GMT',
  pragma: 'no-cache',
  'cache-control': 'no-cache, max-age=0, must-revalidate',
} as const;

/**
 * Protocol v2 upload-pack advertisements by repository and Git-Protocol value. In v2 the
 * info/refs answer is the capability list only (refs come later, from ls-refs): it depends on
 * git's version and configuration, not on the refs, so it is spawned for once and reused for a
 * while (a fetch then costs one spawn less on the server). Entries last a minute, so that a
 * change to git's configuration is seen soon.
 */
export class AdvertisementCache {
  private readonly entries = new Map<string, { bytes: Buffer; until: number }>();

  constructor(
    private readonly ttlMs = 60_000,
    private readonly max = 1000,
  ) {}

  get(repo: string, protocol: string): Buffer | undefined {
    const key = `${repo}\0${protocol}`;
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.until > Date.now()) return e.bytes;
    this.entries.delete(key);
    return undefined;
  }

  set(repo: string, protocol: string, bytes: Buffer): void {
    if (this.entries.size >= this.max) this.entries.clear();
    this.entries.set(`${repo}\0${protocol}`, { bytes, until: Date.now() + this.ttlMs });
  }
}

/** A v2 capability advertisement (pkt-lines from `version 2` to a flush, nothing else). */
export function isV2Advertisement(bytes: Buffer): boolean {
  return bytes.subarray(0, 14).toString('latin1') === '000eversion 2\n' && bytes.subarray(-4).toString('latin1') === '0000';
}
