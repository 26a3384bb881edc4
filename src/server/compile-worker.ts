// The compile worker thread (started by compile-pool.ts): runs the pure compiler off the main
// event loop. The compiler reads files synchronously, so each read is a synchronous call to the
// main thread over a MessagePort: post the request, sleep on a shared flag (Atomics.wait) until
// the main thread has posted the reply and raised the flag, take the reply (receiveMessageOnPort).
//
// Per request:  idle ──compile request──► compiling ⇄ (file read / list / external include) main
//                    ◄──── plan posted ────┘
import { parentPort, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { compile } from '../ci/index.js';
import type { CompileContext, CompileLimits, ProjectFiles } from '../ci/plan.js';

export interface CompileRequest {
  id: number;
  configPath?: string;
  context: CompileContext;
  limits?: CompileLimits;
  hasExternal: boolean;
  /** This compile's end of the file channel. */
  port: MessagePort;
  /** Int32 flag the main thread sets to 1 once a reply is posted. */
  signal: SharedArrayBuffer;
}

export type FileRequest = { op: 'read'; path: string } | { op: 'list' } | { op: 'external'; kind: 'remote' | 'template' | 'project' | 'component'; location: string };
export type FileReply = { ok: true; value: unknown } | { ok: false; error: string };

function syncCaller(port: MessagePort, signal: SharedArrayBuffer): (request: FileRequest) => unknown {
  const flag = new Int32Array(signal);
  return (request) => {
    Atomics.store(flag, 0, 0);
    port.postMessage(request);
    // The pool terminates this thread if the compile takes too long, waiting included.
    while (Atomics.load(flag, 0) === 0) Atomics.wait(flag, 0, 0, 1000);
    const reply = receiveMessageOnPort(port)?.message as FileReply | undefined;
    if (!reply) throw new Error('no reply from the main thread');
    if (!reply.ok) throw new Error(reply.error);
    return reply.value;
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function run(request: CompileRequest) {
  const call = syncCaller(request.port, request.signal);
  let list: readonly string[] | undefined;
  const get = (path: string) => call({ op: 'read', path }) as string | Uint8Array | undefined;
  const files: ProjectFiles = {
    read: (path) => {
      const v = get(path);
      return v === undefined || typeof v === 'string' ? v : decoder.decode(v);
    },
    readBytes: (path) => {
      const v = get(path);
      return typeof v === 'string' ? encoder.encode(v) : v;
    },
    list: () => (list ??= call({ op: 'list' }) as string[]),
  };
  try {
    return compile({
      configPath: request.configPath,
      context: request.context,
      limits: request.limits,
      files,
      externalInclude: request.hasExternal ? (kind, location) => call({ op: 'external', kind, location }) as string | undefined : undefined,
    });
  } finally {
    request.port.close();
  }
}

parentPort?.on('message', (request: CompileRequest) => {
  parentPort!.postMessage({ id: request.id, plan: run(request) });
});
parentPort?.postMessage({ ready: true });
