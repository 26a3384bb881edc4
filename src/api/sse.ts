// Server-sent events. A stream is open from `open()` until the client goes away, the route closes
// it, or the server shuts down (the hub's closeAll, called from a preClose hook so that
// `app.close()` does not wait on endless responses). A comment line every 15 s keeps proxies from
// timing the connection out.
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface SseStream {
  readonly closed: boolean;
  /** The stream closes (client gone, route or server closed it). */
  readonly signal: AbortSignal;
  /** Writes one event; resolves once the socket has taken it (backpressure). */
  send(event: string, data: unknown): Promise<void>;
  close(): void;
}

const KEEPALIVE_MS = 15_000;

export class SseHub {
  private readonly streams = new Set<SseStream>();

  open(request: FastifyRequest, reply: FastifyReply): SseStream {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // HEAD: the headers are the whole answer (Node sends them only on end for HEAD).
    if (request.method === 'HEAD') raw.end();
    else raw.write('retry: 3000\n\n');
    const controller = new AbortController();
    const streams = this.streams;
    const keepalive = setInterval(() => {
      if (!raw.writableEnded) raw.write(': keepalive\n\n');
    }, KEEPALIVE_MS);
    keepalive.unref();

    const stream: SseStream = {
      get closed() {
        return controller.signal.aborted;
      },
      signal: controller.signal,
      send(event, data) {
        if (controller.signal.aborted || raw.writableEnded) return Promise.resolve();
        const payload = JSON.stringify(data);
        const ok = raw.write(`event: ${event}\ndata: ${payload}\n\n`);
        if (ok) return Promise.resolve();
        return new Promise<void>((resolve) => {
          const done = () => {
            raw.off('drain', done);
            controller.signal.removeEventListener('abort', done);
            resolve();
          };
          raw.on('drain', done);
          controller.signal.addEventListener('abort', done);
        });
      },
      close() {
        if (controller.signal.aborted) return;
        clearInterval(keepalive);
        streams.delete(stream);
        controller.abort();
        if (!raw.writableEnded) raw.end();
      },
    };
    streams.add(stream);
    raw.on('close', () => stream.close());
    return stream;
  }

  closeAll(): void {
    for (const s of [...this.streams]) s.close();
  }

  get size(): number {
    return this.streams.size;
  }
}
