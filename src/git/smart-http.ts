// Git smart HTTP (the protocol `git http-backend` speaks), by spawning the service helpers with
// --stateless-rpc. Protocol v2 is passed through with GIT_PROTOCOL (from the Git-Protocol header).
//
//   GET  <repo>/info/refs?service=git-upload-pack|git-receive-pack
//        -> "# service=..." pkt-line + flush (v0/v1 only) + `<service> --advertise-refs`
//   POST <repo>/git-upload-pack | git-receive-pack
//        -> request body (gunzipped if Content-Encoding: gzip) on stdin, stdout is the result.
// receive-pack runs with receive.hideRefs for the server-managed namespaces (SERVER_MANAGED_REFS).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
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

export function spawnGitService(options: {
  service: GitService;
  repo: string;
  advertise: boolean;
  protocol?: string;
}): ChildProcessWithoutNullStreams {
  const sub = options.service === 'git-upload-pack' ? 'upload-pack' : 'receive-pack';
  const hide = sub === 'receive-pack' ? SERVER_MANAGED_REFS.flatMap((prefix) => ['-c', `receive.hideRefs=${prefix.replace(/\/$/, '')}`]) : [];
  const args = [...hide, sub, '--stateless-rpc', ...(options.advertise ? ['--advertise-refs'] : []), options.repo];
  return spawn('git', args, {
    env: gitEnv({ GIT_PROTOCOL: options.protocol, GIT_HTTP_EXPORT_ALL: '1' }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
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
