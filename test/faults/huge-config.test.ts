// Fault: large or slow configurations must not stall the server. While an 11,000-job x 50-needs
// configuration (generated here, ~3 MB) is refused, and while a slow one runs into the compile
// time budget, other requests keep being answered quickly and the event loop stays free; the
// slow one comes back as an invalid configuration (400 with a clear message), the next small
// pipeline is created as usual.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type DispatcherServer } from '../../src/server/create-server.js';
import { loadServerConfig } from '../../src/server/config.js';

const work = mkdtempSync(path.join(tmpdir(), 'gcd-huge-config-'));
let server: DispatcherServer;
let url = '';
let token = '';
const held: string[] = [];
const TIMEOUT_SECONDS = 0.25;

function tarball(yaml: string): Buffer {
  const dir = mkdtempSync(path.join(work, 'p-'));
  writeFileSync(path.join(dir, '.gitlab-ci.yml'), yaml);
  execFileSync('tar', ['-czf', `${dir}.tar.gz`, '-C', dir, '.']);
  return readFileSync(`${dir}.tar.gz`);
}

function config(jobs: number, needs: number): string {
  let yaml = 'stages: [a, b]\n';
  for (let i = 0; i < jobs; i++) {
    yaml += `j${i}:\n  stage: ${i < needs ? 'a' : 'b'}\n  script: [echo ${i}]\n`;
    if (i >= needs) yaml += `  needs: [${Array.from({ length: needs }, (_, k) => `j${k}`).join(', ')}]\n`;
  }
  return yaml;
}

/**
 * Within every limit (~130 KB, 1,900 jobs) but seconds of work: every job extends a chain of 10
 * templates of 100 variables each (about 1.5 s in process on this kind of machine, 6x the budget).
 */
function slowConfig(): string {
  let yaml = 'stages: [a, b]\n';
  for (let d = 0; d < 10; d++) {
    const vars = Array.from({ length: 100 }, (_, k) => `    V${d}_${k}: "value ${k} of $V${d}_${(k + 1) % 100}"\n`).join('');
    yaml += `.t${d}:\n${d ? `  extends: .t${d - 1}\n` : ''}  variables:\n${vars}`;
  }
  for (let i = 0; i < 1900; i++) yaml += `j${i}:\n  stage: b\n  extends: .t9\n  script: [echo ${i}]\n`;
  return yaml;
}

const create = (body: Buffer) =>
  fetch(`${url}/api/ui/pipelines?project=grp/huge`, { method: 'POST', headers: { 'content-type': 'application/gzip', authorization: `Bearer ${token}` }, body });

/** Runs `work` while GETting the API every 20 ms and watching the event loop; returns the worst figures. */
async function whileProbing<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; probes: number; worstProbeMs: number; worstLoopDelayMs: number }> {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let done = false;
  let probes = 0;
  let worstProbeMs = 0;
  const prober = (async () => {
    while (!done) {
      const t = performance.now();
      const r = await fetch(`${url}/api/ui/pipelines`, { headers: { authorization: `Bearer ${token}` } });
      await r.arrayBuffer();
      expect(r.status).toBe(200);
      worstProbeMs = Math.max(worstProbeMs, performance.now() - t);
      probes++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const started = performance.now();
  const result = await work();
  const ms = performance.now() - started;
  done = true;
  await prober;
  loop.disable();
  return { result, ms, probes, worstProbeMs, worstLoopDelayMs: loop.max / 1e6 };
}

beforeAll(async () => {
  server = await createServer(loadServerConfig({ flags: { dataDir: path.join(work, 'data'), logLevel: 'silent', webRoot: null } }));
  url = await server.start();
  token = (await server.coordinator.createApiToken('t', 'user')).token;
  // Warm: the first pipeline also creates the project and its repository.
  expect((await create(tarball('a:\n  script: ["true"]\n'))).status).toBe(201);
});
afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
  console.log(`[faults] huge-config:\n  ${held.join('\n  ')}`);
});

describe('large or slow configurations do not stall the server', () => {
  it('11,000 jobs x 50 needs: refused with a position, other requests answered meanwhile', async () => {
    const yaml = config(11_000, 50);
    const body = tarball(yaml);
    const probe = await whileProbing(async () => {
      const r = await create(body);
      return { status: r.status, body: (await r.json()) as { error: string; diagnostics: { file: string; line: number; column: number; message: string }[] } };
    });
    expect(probe.result.status).toBe(400);
    expect(probe.result.body.error).toBe('invalid_config');
    const [d] = probe.result.body.diagnostics;
    expect(d).toMatchObject({ file: '.gitlab-ci.yml', message: 'The parsed YAML is too big' });
    expect(d.line).toBeGreaterThan(1);
    expect(probe.worstProbeMs).toBeLessThan(200);
    expect(probe.worstLoopDelayMs).toBeLessThan(200);
    held.push(`11,000 jobs x 50 needs (${(yaml.length / 1e6).toFixed(1)} MB): 400 "${d.file}:${d.line}:${d.column}: ${d.message}" in ${probe.ms.toFixed(0)} ms; ${probe.probes} GETs meanwhile, worst ${probe.worstProbeMs.toFixed(0)} ms; event loop worst delay ${probe.worstLoopDelayMs.toFixed(0)} ms`);
  });

  it('100,000 levels of nesting: refused at the 101st level, at once', async () => {
    const body = tarball(`job:\n  script: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
    const probe = await whileProbing(async () => {
      const r = await create(body);
      return { status: r.status, body: (await r.json()) as { diagnostics: { file: string; line: number; column: number; message: string }[] } };
    });
    expect(probe.result.status).toBe(400);
    expect(probe.result.body.diagnostics).toEqual([{ file: '.gitlab-ci.yml', line: 2, column: 111, severity: 'error', message: 'The parsed YAML is too big' }]);
    expect(probe.worstProbeMs).toBeLessThan(200);
    held.push(`100,000-deep nesting: 400 ".gitlab-ci.yml:2:111: The parsed YAML is too big" in ${probe.ms.toFixed(0)} ms; worst GET ${probe.worstProbeMs.toFixed(0)} ms`);
  });

  it(`a slow configuration ends at the ${TIMEOUT_SECONDS} s budget as an invalid configuration, requests answered meanwhile`, async () => {
    // A second server with a short compile budget (the first keeps the default 30 s).
    await server.close();
    server = await createServer(loadServerConfig({ flags: { dataDir: path.join(work, 'data'), logLevel: 'silent', webRoot: null, compileTimeoutSeconds: TIMEOUT_SECONDS } }));
    url = await server.start();
    const body = tarball(slowConfig());
    const probe = await whileProbing(async () => {
      const r = await create(body);
      return { status: r.status, body: (await r.json()) as { error: string; diagnostics: { message: string }[] } };
    });
    expect(probe.result.status).toBe(400);
    expect(probe.result.body.error).toBe('invalid_config');
    expect(probe.result.body.diagnostics.map((d) => d.message)).toEqual([`The configuration took too long to process (limit: ${TIMEOUT_SECONDS} s)`]);
    expect(probe.worstProbeMs).toBeLessThan(200);
    expect(probe.worstLoopDelayMs).toBeLessThan(200);
    held.push(`1,900 jobs x 10 extends x 100 variables: 400 "The configuration took too long to process" after ${probe.ms.toFixed(0)} ms (budget ${TIMEOUT_SECONDS * 1000} ms, includes the git import); ${probe.probes} GETs meanwhile, worst ${probe.worstProbeMs.toFixed(0)} ms; event loop worst delay ${probe.worstLoopDelayMs.toFixed(0)} ms`);

    // The pool replaced its worker: a small pipeline is created as usual.
    const started = performance.now();
    const next = await create(tarball('a:\n  script: ["true"]\nb:\n  script: ["true"]\n'));
    expect(next.status).toBe(201);
    held.push(`next small pipeline: 201 in ${(performance.now() - started).toFixed(0)} ms`);
  });
});
