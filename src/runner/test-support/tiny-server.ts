// Test helper: a scripted HTTP server on 127.0.0.1:0 for unit tests of the runner's HTTP layer
// (retries, trace ranges). Each request goes to `handle`; every request is recorded.
import http from 'node:http';

export interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export type Handler = (req: Recorded, res: http.ServerResponse, n: number) => void | Promise<void>;

export async function tinyServer(handle: Handler): Promise<{ url: string; requests: Recorded[]; close(): Promise<void> }> {
  const requests: Recorded[] = [];
  const server = http.createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const c of req) parts.push(c as Buffer);
    const rec = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(parts) };
    requests.push(rec);
    try {
      await handle(rec, res, requests.length);
    } catch (e) {
      res.statusCode = 599;
      res.end(String(e));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
