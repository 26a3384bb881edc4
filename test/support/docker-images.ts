// Test helper for the docker executor: the skip/require rule (no Docker engine answering skips
// with a visible message unless GCD_REQUIRE_DOCKER=1, then fails), tiny local images built from
// Debian's static busybox through the Engine API (POST /images/create?fromSrc=- with a tar of
// the root filesystem; no registry is needed), and removal of what tests left behind. Every test
// image carries the label gitlab-ci-dispatcher.test=1.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, copyFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { DOCKER_SOCKET, dockerReachable as engineReachable, requireDocker as requireEngine } from './docker-engine.js';

export const TEST_IMAGE_LABEL = 'gitlab-ci-dispatcher.test';
const BUSYBOX = '/bin/busybox';

export const docker = new Docker({ socketPath: DOCKER_SOCKET });

/** An engine answers (test/support/docker-engine.ts) and busybox is there to build images from. */
export async function dockerReachable(): Promise<boolean> {
  return existsSync(BUSYBOX) && (await engineReachable());
}

/** True when Docker tests should run; throws when they must run (GCD_REQUIRE_DOCKER=1) and cannot. */
export async function requireDocker(what: string): Promise<boolean> {
  if (!(await requireEngine(what))) return false;
  if (existsSync(BUSYBOX)) return true;
  const why = `${BUSYBOX} is missing (Debian's busybox-static)`;
  if (process.env.GCD_REQUIRE_DOCKER === '1') throw new Error(`Docker is required (GCD_REQUIRE_DOCKER=1) but ${why}`);
  console.warn(`[skip] ${what}: ${why}`);
  return false;
}

export interface ImageOptions {
  /** Extra files: path inside the image → content. */
  files?: Record<string, string>;
  /** Dockerfile instructions applied on import (EXPOSE, CMD, ENV…). */
  changes?: string[];
}

const built = new Map<string, Promise<string>>();

/** A busybox image named `name` (built once per test process; reused when already there). */
export function ensureBusyboxImage(name: string, opts: ImageOptions = {}): Promise<string> {
  let p = built.get(name);
  if (!p) {
    p = build(name, opts);
    built.set(name, p);
  }
  return p;
}

async function build(name: string, opts: ImageOptions): Promise<string> {
  const existing = await docker.getImage(name).inspect().catch(() => null);
  if (existing?.Config?.Labels?.[TEST_IMAGE_LABEL] === '1') return existing.Id;
  const root = mkdtempSync(path.join(tmpdir(), 'gcd-image-'));
  try {
    for (const d of ['bin', 'tmp', 'etc', 'root']) mkdirSync(path.join(root, d), { recursive: true });
    copyFileSync(BUSYBOX, path.join(root, 'bin', 'busybox'));
    const applets = (await output(BUSYBOX, ['--list'])).split('\n').filter((a) => a && a !== 'busybox');
    for (const a of applets) symlinkSync('busybox', path.join(root, 'bin', a));
    writeFileSync(path.join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    writeFileSync(path.join(root, 'etc', 'group'), 'root:x:0:\n');
    for (const [file, text] of Object.entries(opts.files ?? {})) {
      const target = path.join(root, file);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, text, { mode: 0o755 });
    }
    const tar = spawn('tar', ['-C', root, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [repo, tag = 'latest'] = splitName(name);
    const stream = await docker.importImage(tar.stdout, {
      repo,
      tag,
      changes: [`LABEL ${TEST_IMAGE_LABEL}=1`, 'ENV PATH=/bin', ...(opts.changes ?? [])],
    });
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
    const info = await docker.getImage(name).inspect();
    return info.Id;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function splitName(name: string): [string, string?] {
  const i = name.lastIndexOf(':');
  return i > name.lastIndexOf('/') ? [name.slice(0, i), name.slice(i + 1)] : [name];
}

function output(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('error', reject);
    c.on('close', () => resolve(out));
  });
}

/** Containers (also stopped ones) carrying the label key (any value) or key=value. */
export async function labelledContainers(label: string): Promise<string[]> {
  const list = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [label] }) });
  return list.map((c) => c.Id);
}

/** Force-removes every container and network carrying `label`; returns how many containers. */
export async function removeLabelledContainers(label = 'gitlab-ci-dispatcher.runner'): Promise<number> {
  const ids = await labelledContainers(label);
  await Promise.all(ids.map((id) => docker.getContainer(id).remove({ force: true, v: true }).catch(() => undefined)));
  const nets = await docker.listNetworks({ filters: JSON.stringify({ label: [label] }) });
  for (const n of nets) await docker.getNetwork(n.Id).remove().catch(() => undefined);
  return ids.length;
}
