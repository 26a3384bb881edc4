// scripts/ci-docker.sh (sourced by .ci/run) with a stand-in `dockerd` on PATH that serves /_ping
// on the socket it is given: an engine is started only when none answers, and the one started is
// stopped by its PID when the shell exits, also on SIGTERM; an engine already running stays.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(path.join(tmpdir(), 'gcd-ci-docker-'));
const bin = path.join(work, 'bin');
spawnSync('mkdir', ['-p', bin]);
writeFileSync(
  path.join(bin, 'dockerd'),
  `#!/bin/sh
# stand-in dockerd: records its pid and arguments, serves GET /_ping on the --host socket
echo "$$" > "$FAKE_DOCKERD_PID"
echo "$@" > "$FAKE_DOCKERD_ARGS"
for a in "$@"; do case "$a" in unix://*) sock="\${a#unix://}";; esac; done
exec node -e "require('http').createServer((q,r)=>r.end(q.url==='/_ping'?'OK':'?')).listen(process.argv[1])" "$sock"
`,
);
chmodSync(path.join(bin, 'dockerd'), 0o755);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function env(name: string) {
  return {
    ...process.env,
    PATH: `${bin}:${process.env.PATH}`,
    GCD_DOCKER_SOCKET: path.join(work, `${name}.sock`),
    GCD_DOCKERD_LOG: path.join(work, `${name}.log`),
    FAKE_DOCKERD_PID: path.join(work, `${name}.pid`),
    FAKE_DOCKERD_ARGS: path.join(work, `${name}.args`),
  };
}

describe('scripts/ci-docker.sh', () => {
  it('starts an engine when none answers, and stops it by its PID when the shell exits', () => {
    const e = env('start');
    const r = spawnSync('bash', ['-c', 'set -e; source scripts/ci-docker.sh; start_docker_engine; docker_ping && echo "pinged $dockerd_pid"'], { cwd: root, env: e, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const pid = Number(readFileSync(e.FAKE_DOCKERD_PID, 'utf8'));
    expect(r.stdout.trim()).toBe(`pinged ${pid}`);
    expect(readFileSync(e.FAKE_DOCKERD_ARGS, 'utf8').trim()).toBe(`--host unix://${e.GCD_DOCKER_SOCKET} --bridge=none --iptables=false --ip-forward=false`);
    expect(alive(pid)).toBe(false);
    console.log(`[ci-docker] started dockerd ${pid}, answered /_ping, gone after the shell exited`);
  });

  it('stops the engine it started when the shell is terminated (SIGTERM)', async () => {
    const e = env('term');
    const child = spawn('bash', ['-c', 'source scripts/ci-docker.sh; start_docker_engine; sleep 60 >/dev/null 2>&1 & echo "ready $!"; wait $!'], { cwd: root, env: e, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    for (let i = 0; i < 300 && !out.includes('ready'); i++) await new Promise((r) => setTimeout(r, 100));
    const pid = Number(readFileSync(e.FAKE_DOCKERD_PID, 'utf8'));
    expect(alive(pid)).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(alive(pid)).toBe(false);
    process.kill(Number(/ready (\d+)/.exec(out)![1]), 'SIGKILL'); // the shell's sleep, orphaned
  }, 60_000);

  it('leaves an engine that already answers alone', async () => {
    const e = env('running');
    // The engine already running: another process (spawnSync below blocks this one).
    const engine = spawn(process.execPath, ['-e', "require('http').createServer((q,r)=>r.end('OK')).listen(process.argv[1],()=>console.log('up'))", e.GCD_DOCKER_SOCKET], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((resolve) => engine.stdout.once('data', resolve));
      const r = spawnSync('bash', ['-c', 'set -e; source scripts/ci-docker.sh; start_docker_engine; echo "pid=[$dockerd_pid]"'], { cwd: root, env: e, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('pid=[]');
      expect(existsSync(e.FAKE_DOCKERD_PID)).toBe(false);
      expect(alive(engine.pid!)).toBe(true);
      const res = await new Promise<number>((resolve, reject) => http.get({ socketPath: e.GCD_DOCKER_SOCKET, path: '/_ping' }, (m) => resolve(m.statusCode ?? 0)).on('error', reject));
      expect(res).toBe(200);
    } finally {
      engine.kill();
    }
  });
});
