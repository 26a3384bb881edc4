// The runner's HTTP transport against real local servers: one kept-alive connection for
// sequential requests, closed once idle; redirects as fetch follows them (303 and a POST's 302
// become a GET without body, 307 repeats method and body, credentials stay on their origin,
// 'manual' hands the 3xx back, at most 20 hops); an answer thrown away keeps its connection when
// small and drops it when large; an abort ends a held request.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { drain, readAll, Transport } from './node-transport.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  socket: Socket;
}

const servers: http.Server[] = [];
const transports: Transport[] = [];
afterEach(async () => {
  for (const t of transports.splice(0)) t.close();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(handle: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body, socket: req.socket });
      handle(req, res, body);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, sockets };
}

const transport = (idleMs?: number) => {
  const t = new Transport({ idleMs });
  transports.push(t);
  return t;
};

const text = async (res: IncomingMessage) => (await readAll(res)).toString();

const haveOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('node transport', () => {
  it('keeps one connection for requests one after another, and closes it once idle', async () => {
    const s = await serve((_req, res) => res.end('ok'));
    const t = transport(150);
    for (let i = 0; i < 3; i++) expect(await text(await t.send({ method: 'GET', url: `${s.url}/x`, headers: {}, redirect: 'follow' }))).toBe('ok');
    expect(new Set(s.seen.map((r) => r.socket)).size).toBe(1);
    expect(s.sockets.size).toBe(1);
    const until = Date.now() + 5_000;
    while (s.sockets.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(s.sockets.size).toBe(0);
  });

  it('sends a whole body with its length and a stream chunked, whatever the method', async () => {
    const s = await serve((_req, res, body) => res.end(`got ${body}`));
    const t = transport();
    const res = await t.send({ method: 'POST', url: `${s.url}/a`, headers: { 'Content-Type': 'application/json' }, body: () => '{"a":1}', redirect: 'follow' });
    expect(res.statusCode).toBe(200);
    expect(await text(res)).toBe('got {"a":1}');
    expect(s.seen[0].headers['content-length']).toBe('7');
    await text(await t.send({ method: 'PUT', url: `${s.url}/b`, headers: {}, body: () => Readable.from([Buffer.from('pa'), Buffer.from('rt')]), redirect: 'follow' }));
    expect(s.seen[1].body).toBe('part');
    expect(s.seen[1].headers['transfer-encoding']).toBe('chunked');
    // a DELETE's body is framed too (GitLab's DELETE /runners takes the token in a JSON body)
    await text(await t.send({ method: 'DELETE', url: `${s.url}/c`, headers: {}, body: () => '{"token":"t"}', redirect: 'follow' }));
    expect(s.seen[2]).toMatchObject({ method: 'DELETE', body: '{"token":"t"}' });
    await text(await t.send({ method: 'DELETE', url: `${s.url}/d`, headers: {}, body: () => Readable.from([Buffer.from('streamed')]), redirect: 'follow' }));
    expect(s.seen[3]).toMatchObject({ method: 'DELETE', body: 'streamed' });
  });

  it('follows redirects as fetch does: a POST\'s 302 and any 303 become a GET without body, 307 repeats method and body', async () => {
    const s = await serve((req, res) => {
      if (req.url === '/302') res.writeHead(302, { location: '/end' }).end();
      else if (req.url === '/303') res.writeHead(303, { location: '/end' }).end();
      else if (req.url === '/307') res.writeHead(307, { location: '/end' }).end();
      else res.end(`${req.method} ${req.url}`);
    });
    const t = transport();
    let calls = 0;
    const body = () => {
      calls++;
      return 'payload';
    };
    const headers = { 'Content-Type': 'text/plain', 'JOB-TOKEN': 'secret' };
    expect(await text(await t.send({ method: 'POST', url: `${s.url}/302`, headers, body, redirect: 'follow' }))).toBe('GET /end');
    expect(s.seen[1]).toMatchObject({ method: 'GET', body: '' });
    expect(s.seen[1].headers['content-type']).toBeUndefined();
    expect(s.seen[1].headers['job-token']).toBe('secret'); // same origin
    expect(await text(await t.send({ method: 'PUT', url: `${s.url}/303`, headers, body, redirect: 'follow' }))).toBe('GET /end');
    calls = 0;
    expect(await text(await t.send({ method: 'PUT', url: `${s.url}/307`, headers, body, redirect: 'follow' }))).toBe('PUT /end');
    expect(s.seen[5]).toMatchObject({ method: 'PUT', body: 'payload' });
    expect(calls).toBe(2);
  });

  it('does not send credentials to another origin, hands a 3xx back with manual, and stops after 20 hops', async () => {
    const other = await serve((req, res) => res.end('there'));
    const s = await serve((req, res) => {
      if (req.url === '/away') res.writeHead(302, { location: `${other.url}/there` }).end();
      else res.writeHead(302, { location: `/loop${Number(req.url!.slice(5) || 0) + 1}` }).end();
    });
    const t = transport();
    const headers = { 'JOB-TOKEN': 'j', 'PRIVATE-TOKEN': 'p', Authorization: 'Bearer b', Cookie: 'c=1', 'X-Request-Id': 'r' };
    expect(await text(await t.send({ method: 'GET', url: `${s.url}/away`, headers, redirect: 'follow' }))).toBe('there');
    const h = other.seen[0].headers;
    expect([h['job-token'], h['private-token'], h.authorization, h.cookie]).toEqual([undefined, undefined, undefined, undefined]);
    expect(h['x-request-id']).toBe('r');
    const manual = await t.send({ method: 'GET', url: `${s.url}/away`, headers, redirect: 'manual' });
    expect(manual.statusCode).toBe(302);
    expect(manual.headers.location).toBe(`${other.url}/there`);
    await drain(manual);
    const before = s.seen.length;
    const last = await t.send({ method: 'GET', url: `${s.url}/loop`, headers: {}, redirect: 'follow' });
    expect(last.statusCode).toBe(302);
    expect(s.seen.length - before).toBe(21);
    await drain(last);
  });

  it('drains a small answer (the connection is reused) and drops a large one', async () => {
    const s = await serve((req, res) => res.end(req.url === '/big' ? 'x'.repeat(1 << 20) : 'small answer'));
    const t = transport();
    await drain(await t.send({ method: 'GET', url: `${s.url}/small`, headers: {}, redirect: 'follow' }));
    await text(await t.send({ method: 'GET', url: `${s.url}/next`, headers: {}, redirect: 'follow' }));
    expect(s.seen[0].socket).toBe(s.seen[1].socket);
    await drain(await t.send({ method: 'GET', url: `${s.url}/big`, headers: {}, redirect: 'follow' }));
    await text(await t.send({ method: 'GET', url: `${s.url}/after`, headers: {}, redirect: 'follow' }));
    expect(s.seen[3].socket).not.toBe(s.seen[2].socket);
  });

  it('an abort ends a request the server holds; a protocol other than http(s) is refused', async () => {
    const s = await serve(() => {}); // never answers
    const t = transport();
    const ctl = new AbortController();
    const pending = t.send({ method: 'POST', url: `${s.url}/held`, headers: {}, body: () => '{}', signal: ctl.signal, redirect: 'follow' });
    while (s.seen.length === 0) await new Promise((r) => setTimeout(r, 10));
    ctl.abort();
    await expect(pending).rejects.toThrow(/abort/i);
    await expect(t.send({ method: 'GET', url: 'ftp://127.0.0.1/x', headers: {}, redirect: 'follow' })).rejects.toThrow(/unsupported protocol/);
  });

  it.skipIf(!haveOpenssl)('talks HTTPS to a server whose CA is given in NODE_EXTRA_CA_CERTS (as a runner for a private GitLab is set up)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-tls-'));
    try {
      const key = path.join(dir, 'key.pem');
      const cert = path.join(dir, 'cert.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
      const server = https.createServer({ key: await readFile(key), cert: await readFile(cert) }, (req, res) => res.end(`tls ${req.method} ${req.url}`));
      servers.push(server as unknown as http.Server);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/secure`;
      const script = path.join(dir, 'get.mts');
      await writeFile(
        script,
        `import { Transport, readAll } from ${JSON.stringify(path.join(import.meta.dirname, 'node-transport.ts'))};\n` +
          `const t = new Transport();\n` +
          `try { const r = await t.send({ method: 'GET', url: process.argv[2], headers: {}, redirect: 'follow' }); console.log(r.statusCode, (await readAll(r)).toString()); }\n` +
          `catch (e) { console.log('error', e.code ?? e.message); } finally { t.close(); }\n`,
      );
      const get = (env: NodeJS.ProcessEnv) =>
        new Promise<string>((resolve, reject) =>
          execFile(process.execPath, ['--import', 'tsx', script, url], { cwd: path.resolve(import.meta.dirname, '../../..'), env, timeout: 30_000 }, (e, out) => (e ? reject(e) : resolve(out.trim()))),
        );
      const { NODE_EXTRA_CA_CERTS: _none, ...plain } = process.env;
      expect(await get({ ...plain, NODE_EXTRA_CA_CERTS: cert })).toBe('200 tls GET /secure');
      // without the CA the certificate is refused
      expect(await get(plain)).toMatch(/^error .*(SELF_SIGNED|self.signed|DEPTH_ZERO|unable to verify)/i);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
