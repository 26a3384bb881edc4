// The step driver starts commands as a direct spawn would: exactly the given environment, the
// given cwd, every output byte in order (NUL bytes included), the exit status; one driver is
// reused for the next command and concurrent commands get drivers of their own.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { pbkdf2 } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runOnDriver } from './step-driver.js';

function run(command: string, args: string[], env: Record<string, string | undefined>, cwd = os.tmpdir()) {
  const out: Buffer[] = [];
  const h = runOnDriver({ command, args, cwd, env, onOutput: (b) => out.push(b) });
  return { ...h, output: () => Buffer.concat(out) };
}

describe('step driver', () => {
  it('passes exactly the given environment, any names and values included', async () => {
    const env = { PATH: process.env.PATH, 'my-var.x': 'a b', MULTI: 'line1\nline2 $HOME `x` \'q\'', EMPTY: '', UNSET: undefined };
    const r = run('env', ['-0'], env);
    expect(await r.done).toBe(0);
    const got = r.output().toString().split('\0').filter(Boolean).sort();
    expect(got).toEqual(['EMPTY=', 'MULTI=line1\nline2 $HOME `x` \'q\'', `PATH=${process.env.PATH}`, 'my-var.x=a b'].sort());
  });

  it('passes exactly the given environment when every name is plain (set by bash itself): none of the driver\'s, no OLDPWD, names of its locals', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-drv-env-'));
    // cwd, f, plain, status, argc: the driver's own variables, which these assignments set (__gcd_* go through env -i)
    const env = { PATH: process.env.PATH, HOME: '/nowhere', PWD: '/given/pwd', SHLVL: '7', cwd: 'c', f: 'x y', plain: '0', status: '3', argc: '0', V: 'a\nb $HOME `x` \'q\' "d"', EMPTY: '' };
    const r = run('env', ['-0'], env, dir);
    expect(await r.done).toBe(0);
    const got = r.output().toString().split('\0').filter(Boolean).sort();
    expect(got).toEqual(Object.entries(env).map(([k, v]) => `${k}=${v}`).sort());
    // without PWD and with a cwd change, still nothing but the given names
    const r2 = run('env', ['-0'], { PATH: process.env.PATH, A: '1' }, dir);
    expect(await r2.done).toBe(0);
    expect(r2.output().toString().split('\0').filter(Boolean).sort()).toEqual(['A=1', `PATH=${process.env.PATH}`]);
    // a variable named like the driver's argument count does not change the command
    const r3 = run('printf', ['%s|', 'ok'], { PATH: process.env.PATH, argc: '0', A: '1' }, dir);
    expect(await r3.done).toBe(0);
    expect(r3.output().toString()).toBe('ok|');
    await rm(dir, { recursive: true, force: true });
  });

  it('passes names that are special to bash unchanged (RANDOM, SECONDS, IFS, UID, BASH_ENV, _)', async () => {
    const env = { PATH: process.env.PATH, RANDOM: '5', SECONDS: '100', IFS: 'x', UID: '12345', BASH_ENV: '/dev/null', _: 'u', OK: '1' };
    const r = run('env', ['-0'], env);
    expect(await r.done).toBe(0);
    expect(r.output().toString().split('\0').filter(Boolean).sort()).toEqual(Object.entries(env).map(([k, v]) => `${k}=${v}`).sort());
  });

  it('reports a command that is not there as 127, in either way of setting the environment: bash execs plain ones itself, env -i the others', async () => {
    const plain = run('gcd-no-such-command-x', [], { PATH: process.env.PATH });
    expect(await plain.done).toBe(127);
    // bash looked the command up: no env process in between
    expect(plain.output().toString()).toMatch(/exec: gcd-no-such-command-x: not found/);
    const odd = run('gcd-no-such-command-x', [], { PATH: process.env.PATH, 'a-b': '1' });
    expect(await odd.done).toBe(127);
    expect(odd.output().toString()).toMatch(/^env: .*gcd-no-such-command-x/m);
  });

  it('passes argv exactly: empty, multi-line, quoted and long arguments, and a cwd with odd characters', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "gcd-drv- '$x\n"));
    const args = ['', '-e', 'two words', "it's \"q\" `x` $(y) \\ \t", 'l1\nl2\n', 'é ü', 'x'.repeat(100_000)];
    const r = run('bash', ['-c', 'pwd; printf "%s\\0" "$@"', 'name', ...args], { PATH: process.env.PATH }, dir);
    expect(await r.done).toBe(0);
    const out = r.output().toString();
    expect(out.startsWith(`${dir}\n`)).toBe(true);
    expect(out.slice(dir.length + 1).split('\0').slice(0, -1)).toEqual(args);
    await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(!existsSync('/proc/self/io'))('a command reaches the driver in a few reads, whatever its argv (not a read(2) per byte of it)', async () => {
    const who = run('bash', ['-c', 'echo $PPID'], { PATH: process.env.PATH });
    await who.done;
    const driverPid = Number(who.output().toString().trim());
    const reads = async () => Number(/^syscr: (\d+)$/m.exec(await readFile(`/proc/${driverPid}/io`, 'utf8'))![1]);
    const before = await reads();
    const r = run('bash', ['-c', 'echo $PPID', 'name', 'y'.repeat(50_000)], { PATH: process.env.PATH });
    expect(await r.done).toBe(0);
    expect(Number(r.output().toString().trim())).toBe(driverPid); // the same driver took it
    expect((await reads()) - before).toBeLessThan(200);
  });

  it('runs in the cwd, returns the status, and keeps every byte (NULs too) in order', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-drv-'));
    const r = run('bash', ['-c', 'pwd; printf "a\\0b\\0\\0"; echo err >&2; exit 7'], { PATH: process.env.PATH }, dir);
    expect(await r.done).toBe(7);
    expect(r.output()).toEqual(Buffer.concat([Buffer.from(`${dir}\n`), Buffer.from('a\0b\0\0'), Buffer.from('err\n')]));
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the command its input, and its stderr apart when asked', async () => {
    const out: Buffer[] = [];
    const h = runOnDriver({ command: 'bash', args: ['-c', 'cat; echo to-err >&2; printf "\\0x"'], cwd: os.tmpdir(), env: { PATH: process.env.PATH }, onOutput: (b) => out.push(b), input: 'line 1\nline 2', separateStderr: true });
    expect(await h.done).toBe(0);
    expect(Buffer.concat(out).toString('latin1')).toBe('line 1\nline 2\0x');
    expect(h.stderr().toString()).toBe('to-err\n');
    // merged (the default): stderr in the output, nothing apart
    const merged = run('bash', ['-c', 'echo a; echo b >&2'], { PATH: process.env.PATH });
    expect(await merged.done).toBe(0);
    expect(merged.output().toString()).toBe('a\nb\n');
    expect(merged.stderr().length).toBe(0);
  });

  it('gives the command no way to the control channel, and no stdin', async () => {
    const r = run('bash', ['-c', 'echo "X 0" >&3 && echo wrote; read -r line; echo "read=$?"'], { PATH: process.env.PATH });
    expect(await r.done).toBe(0);
    const text = r.output().toString();
    expect(text).toMatch(/Bad file descriptor/);
    expect(text).not.toContain('wrote');
    expect(text).toContain('read=1');
  });

  it('reuses an idle driver; a concurrent command gets its own', async () => {
    const parent = () => run('bash', ['-c', 'echo $PPID; sleep 0.2'], { PATH: process.env.PATH });
    const a = parent();
    await a.done;
    const b = parent();
    const c = parent();
    await Promise.all([b.done, c.done]);
    const pids = [a, b, c].map((x) => Number(x.output().toString().trim()));
    expect(pids[1] === pids[0] || pids[2] === pids[0]).toBe(true);
    expect(pids[1]).not.toBe(pids[2]);
  });

  it('kills the command group, also when asked before the command has started', async () => {
    const r = run('bash', ['-c', 'sleep 30; echo done'], { PATH: process.env.PATH });
    r.kill('SIGTERM');
    const started = Date.now();
    expect(await r.done).toBe(128 + 15);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.output().toString()).not.toContain('done');
  });

  /** Runs `source` (a module importing the step driver as `drv`) in a child process; its exit code, or 'held' when it outlives 20 s. */
  async function childRun(source: string): Promise<{ code: number | 'held'; out: string }> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-drv-'));
    const script = path.join(dir, 'child.mts');
    await writeFile(script, `import * as drv from ${JSON.stringify(new URL('./step-driver.ts', import.meta.url).href)};\n${source}\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b));
    // idle drivers are kept for 30 s: a process held open by one would outlive this wait
    const code = await new Promise<number | 'held'>((resolve) => {
      const t = setTimeout(() => resolve('held'), 20_000);
      child.once('exit', (c) => (clearTimeout(t), resolve(c ?? -1)));
    });
    if (code === 'held') child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    return { code, out };
  }

  it('an idle driver does not keep its process alive; the driver ends with it', async () => {
    const { code, out } = await childRun(`const h = drv.runOnDriver({ command: 'bash', args: ['-c', 'echo $PPID'], cwd: '/', env: { PATH: process.env.PATH }, onOutput: (b) => process.stdout.write(b) });\nconsole.log('status', await h.done);`);
    expect(code).toBe(0);
    expect(out).toContain('status 0');
    const driverPid = Number(out.split('\n')[0]);
    expect(driverPid).toBeGreaterThan(1);
    const end = Date.now() + 5000;
    const alive = () => {
      try {
        process.kill(driverPid, 0);
        return true;
      } catch {
        return false;
      }
    };
    while (alive() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(alive()).toBe(false);
  }, 30_000);

  it('a prewarmed driver serves the first command; an unused one does not keep its process alive either', async () => {
    const used = await childRun(`drv.prewarmDriver();\nconst pid = (await import('node:child_process')).execSync('pgrep -P ' + process.pid + ' bash').toString().trim();\nconst h = drv.runOnDriver({ command: 'bash', args: ['-c', 'echo $PPID'], cwd: '/', env: { PATH: process.env.PATH }, onOutput: (b) => process.stdout.write(b) });\nawait h.done;\nconsole.log('warm', pid);`);
    expect(used.code).toBe(0);
    const [ran, warm] = used.out.trim().split('\n');
    expect(warm).toBe(`warm ${ran}`);
    const unused = await childRun(`drv.prewarmDriver();\nconsole.log('warmed');`);
    expect(unused).toEqual({ code: 0, out: 'warmed\n' });
  }, 60_000);

  it('closing the idle drivers reaps them: their commands\' CPU counts as this process\'s children\'s', async () => {
    const burn = `const h = drv.runOnDriver({ command: 'bash', args: ['-c', 'for ((i=0;i<600000;i++)); do :; done'], cwd: '/', env: { PATH: process.env.PATH }, onOutput: () => {} });\nawait h.done;\n`;
    const cpuOf = async (source: string) => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-drv-'));
      const script = path.join(dir, 'child.mts');
      await writeFile(script, `import * as drv from ${JSON.stringify(new URL('./step-driver.ts', import.meta.url).href)};\n${source}\n`);
      const timeFile = path.join(dir, 'time');
      await new Promise((resolve) => spawn('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, process.execPath, '--import', 'tsx', script], { stdio: 'ignore' }).once('exit', resolve));
      const [u, sys] = (await readFile(timeFile, 'utf8')).trim().split('\n').pop()!.split(' ').map(Number);
      await rm(dir, { recursive: true, force: true });
      return u + sys;
    };
    // bash spinning for about half a second, beside what starting the child costs
    const start = await cpuOf('await drv.closeIdleDrivers();');
    const burnt = await cpuOf(`${burn}await drv.closeIdleDrivers();`);
    expect(burnt - start).toBeGreaterThan(0.25);
  }, 60_000);

  it('each command gets its environment, also while the threadpool is saturated', async () => {
    // A saturated libuv threadpool delays the removal of one command's environment file past the
    // writing of the next one's: with a single file name per driver, some commands ran with none.
    let stop = false;
    const burn = async () => {
      while (!stop) await new Promise((r) => pbkdf2('x', 'y', 20_000, 32, 'sha256', r));
    };
    const burners = Array.from({ length: 8 }, burn);
    const wrong: string[] = [];
    try {
      for (let i = 0; i < 200; i++) {
        const r = run('bash', ['-c', 'echo "v=$MARKER"'], { PATH: process.env.PATH, MARKER: `m${i}` });
        expect(await r.done).toBe(0);
        const got = r.output().toString().trim();
        if (got !== `v=m${i}`) wrong.push(`${i}: ${got}`);
      }
    } finally {
      stop = true;
      await Promise.all(burners);
    }
    expect(wrong).toEqual([]);
  }, 60_000);
});
