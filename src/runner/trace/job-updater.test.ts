/* eslint-disable @typescript-eslint/no-explicit-any -- loosely typed request bodies in a fake server */
// The trace/update loop against a small real HTTP server that behaves like GitLab's trace
// endpoint (append only at the current length, 416 + Range otherwise).
import { afterEach, describe, expect, it } from 'vitest';
import { crc32 } from 'node:zlib';
import { CoordinatorClient } from '../network/coordinator-client.js';
import { decodeJobPayload } from '../network/job-payload.js';
import { JobTrace } from './job-trace.js';
import { JobUpdater } from './job-updater.js';
import { tinyServer } from '../test-support/tiny-server.js';

const job = decodeJobPayload(
  JSON.stringify({
    id: 5,
    token: 'jt-5',
    git_info: { sha: '0123456789abcdef' },
    features: { trace_sections: true, failure_reasons: ['script_failure'] },
  }),
);

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

function gitlabLikeServer(opts: { putAnswers?: number[]; dropFirstBytes?: number } = {}) {
  let stored = Buffer.alloc(0);
  const puts: any[] = [];
  let putN = 0;
  return {
    stored: () => stored,
    puts,
    handler: (req: any, res: any) => {
      if (req.method === 'PATCH') {
        const [start] = String(req.headers['content-range']).split('-').map(Number);
        if (start !== stored.length) return void res.writeHead(416, { range: `0-${stored.length}` }).end();
        stored = Buffer.concat([stored, req.body]);
        return void res.writeHead(202, { range: `0-${stored.length}`, 'job-status': 'running', 'x-gitlab-trace-update-interval': '1' }).end();
      }
      const body = JSON.parse(req.body.toString());
      puts.push(body);
      if (body.state === 'running') return void res.writeHead(200).end();
      const status = opts.putAnswers?.[putN++] ?? 200;
      if (status === 412) stored = Buffer.alloc(0);
      res.writeHead(status).end();
    },
  };
}

describe('JobUpdater', () => {
  it('streams the log with inclusive Content-Range and sends the final state with checksum', async () => {
    const g = gitlabLikeServer();
    const s = await tinyServer(g.handler);
    close = s.close;
    const client = new CoordinatorClient({ url: s.url, retry: { minBackoffMs: 1, maxBackoffMs: 2 } });
    const trace = new JobTrace();
    const u = new JobUpdater({ client, job, trace, updateIntervalMs: 20, finalIntervalMs: 5, flushBytes: 8 });
    expect(await u.ack()).toBe('continue');
    u.start();
    trace.write('hello world, this passes the flush size\n');
    trace.write('second line\n');
    expect(await u.finish({ state: 'failed', reason: 'job_execution_timeout', exitCode: 0 })).toBe('done');
    expect(g.stored().toString()).toBe(trace.toString());
    const patches = s.requests.filter((r) => r.method === 'PATCH');
    let offset = 0;
    for (const p of patches) {
      expect(p.headers['content-range']).toBe(`${offset}-${offset + p.body.length - 1}`);
      offset += p.body.length;
    }
    const final = g.puts.at(-1);
    expect(final).toMatchObject({ token: 'jt-5', state: 'failed', failure_reason: 'job_execution_timeout' });
    expect(final.exit_code).toBeUndefined();
    const crc = `crc32:${crc32(Buffer.from(trace.toString())).toString(16).padStart(8, '0')}`;
    expect(final.output).toEqual({ checksum: crc, bytesize: trace.length });
    expect(final.checksum).toBe(crc);
    await client.close();
  });

  it('resends from the server Range after a 416, and from 0 after a 412; repeats the PUT on 202', async () => {
    const g = gitlabLikeServer({ putAnswers: [202, 412, 200] });
    const s = await tinyServer(g.handler);
    close = s.close;
    const client = new CoordinatorClient({ url: s.url, retry: { minBackoffMs: 1, maxBackoffMs: 2 } });
    const trace = new JobTrace();
    const u = new JobUpdater({ client, job, trace, updateIntervalMs: 10_000, finalIntervalMs: 5 });
    trace.write('abcdef');
    // Pretend an earlier PATCH got lost: the runner believes 3 bytes were sent.
    (u as unknown as { sent: number }).sent = 3;
    u.start();
    expect(await u.finish({ state: 'success' })).toBe('done');
    expect(g.stored().toString()).toBe('abcdef');
    const statuses = s.requests.map((r) => `${r.method}${r.method === 'PATCH' ? ' ' + r.headers['content-range'] : ''}`);
    expect(statuses).toEqual(['PATCH 3-5', 'PATCH 0-5', 'PUT', 'PUT', 'PATCH 0-5', 'PUT']);
    expect(g.puts.map((p) => p.state)).toEqual(['success', 'success', 'success']);
    await client.close();
  });

  it('maps an unknown failure reason through features.failure_reasons', async () => {
    const g = gitlabLikeServer();
    const s = await tinyServer(g.handler);
    close = s.close;
    const client = new CoordinatorClient({ url: s.url });
    const u = new JobUpdater({ client, job, trace: new JobTrace(), finalIntervalMs: 5 });
    u.start();
    await u.finish({ state: 'failed', reason: 'job_canceled' });
    expect(g.puts.at(-1).failure_reason).toBe('unknown_failure');
    await client.close();
  });

  it('reports canceling and abort from Job-Status / 403', async () => {
    let n = 0;
    const s = await tinyServer((req, res) => {
      n++;
      if (n === 1) res.writeHead(202, { 'job-status': 'canceling' }).end();
      else res.writeHead(403).end();
    });
    close = s.close;
    const client = new CoordinatorClient({ url: s.url });
    const trace = new JobTrace();
    const seen: string[] = [];
    const u = new JobUpdater({ client, job, trace, updateIntervalMs: 10, flushBytes: 1, onCanceling: () => seen.push('canceling'), onAbort: () => seen.push('abort') });
    u.start();
    trace.write('a');
    await new Promise((r) => setTimeout(r, 100));
    trace.write('b');
    await new Promise((r) => setTimeout(r, 100));
    await u.finish({ state: 'failed', reason: 'job_canceled' });
    expect(seen).toEqual(['canceling', 'abort']);
    await client.close();
  });
});
