// A stand-in for the official Node image, built here without a registry: Debian bookworm by
// debootstrap (--variant=minbase, with git and the toolchain better-sqlite3 may need), from the
// Debian mirror apt is configured with, and this machine's Node.js and npm copied in at the
// official image's places (/usr/local). The Dockerfile's BASE_IMAGE in the stack test.
//
//   rootfs tarball  cached in $GCD_TEST_CACHE (default /var/cache/gcd-test, else the system tmp)
//   gcd-test/debian-minbase:bookworm   docker import of the tarball
//   gcd-test/node-base:bookworm        + node, npm, headers (label gcd.node = the Node version),
//                                      and the CA file of NODE_EXTRA_CA_CERTS when this machine's
//                                      Node needs one to reach the registry (a TLS-intercepting
//                                      proxy): npm ci in the image build trusts what node here does
// Each step is skipped when its result exists already, so later runs take a second.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { DOCKER_SOCKET } from './docker-engine.js';

export const DEBIAN_IMAGE = 'gcd-test/debian-minbase:bookworm';
export const NODE_BASE_IMAGE = 'gcd-test/node-base:bookworm';
const PACKAGES = ['git', 'ca-certificates', 'python3', 'make', 'g++'];

export function dockerClient(): Docker {
  return new Docker({ socketPath: DOCKER_SOCKET, version: 'v1.41' });
}

function cacheDir(): string {
  for (const dir of [process.env.GCD_TEST_CACHE, '/var/cache/gcd-test', path.join(tmpdir(), 'gcd-test-cache')]) {
    if (!dir) continue;
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
      return dir;
    } catch {
      // not writable here: the next one
    }
  }
  throw new Error('no writable cache directory for the test base image');
}

/** The Debian mirror of apt's sources (deb822 `URIs:` or a `deb URL bookworm` line). */
export function debianMirror(): string {
  const files = ['/etc/apt/sources.list', ...(existsSync('/etc/apt/sources.list.d') ? readdirSync('/etc/apt/sources.list.d').filter((f) => /\.(list|sources)$/.test(f)).map((f) => `/etc/apt/sources.list.d/${f}`) : [])];
  for (const file of files) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const deb822 = /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(text);
    if (deb822) return deb822[1];
    const oneLine = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s+bookworm\b/m.exec(text);
    if (oneLine) return oneLine[1];
  }
  return 'http://deb.debian.org/debian';
}

async function imageLabels(docker: Docker, name: string): Promise<Record<string, string> | null> {
  try {
    const info = await docker.getImage(name).inspect();
    return info.Config?.Labels ?? {};
  } catch {
    return null;
  }
}

function run(cmd: string, args: string[], log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (d: Buffer) => (tail = (tail + d.toString()).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${tail}`))));
    log(`$ ${cmd} ${args.join(' ')}`);
  });
}

/** The debootstrap rootfs as a tarball in the cache (made once). */
async function rootfsTarball(log: (line: string) => void): Promise<string> {
  const dir = cacheDir();
  const tarball = path.join(dir, `bookworm-minbase-${PACKAGES.join('_').replace(/\+/g, 'p')}.tar`);
  if (existsSync(tarball)) return tarball;
  const root = mkdtempSync(path.join(dir, 'rootfs-'));
  try {
    await run('debootstrap', ['--variant=minbase', `--include=${PACKAGES.join(',')}`, 'bookworm', root, debianMirror()], log);
    rmSync(path.join(root, 'var/cache/apt/archives'), { recursive: true, force: true });
    mkdirSync(path.join(root, 'var/cache/apt/archives/partial'), { recursive: true });
    await run('tar', ['-C', root, '--numeric-owner', '-cf', `${tarball}.part`, '.'], log);
    renameSync(`${tarball}.part`, tarball);
    return tarball;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function follow(docker: Docker, stream: NodeJS.ReadableStream): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (error: Error | null, events: { error?: string }[]) => {
      const failed = events?.find((e) => e.error);
      if (error || failed) reject(error ?? new Error(failed!.error));
      else resolve();
    }),
  );
}

/** Builds (once) and returns NODE_BASE_IMAGE, the Dockerfile's BASE_IMAGE for tests. */
export async function ensureNodeBaseImage(log: (line: string) => void = (l) => console.log(`[stack-image] ${l}`)): Promise<string> {
  const docker = dockerClient();
  const nodeVersion = process.version;
  const extraCa = process.env.NODE_EXTRA_CA_CERTS && existsSync(process.env.NODE_EXTRA_CA_CERTS) ? readFileSync(process.env.NODE_EXTRA_CA_CERTS) : null;
  const caLabel = extraCa ? createHash('sha256').update(extraCa).digest('hex').slice(0, 16) : 'none';
  const labels = await imageLabels(docker, NODE_BASE_IMAGE);
  if (labels?.['gcd.node'] === nodeVersion && labels['gcd.extra-ca'] === caLabel) return NODE_BASE_IMAGE;

  if (!(await imageLabels(docker, DEBIAN_IMAGE))) {
    const tarball = await rootfsTarball(log);
    log(`docker import ${tarball} ${DEBIAN_IMAGE}`);
    const [repo, tag] = DEBIAN_IMAGE.split(':');
    const stream = await docker.importImage(tarball, { repo, tag, changes: ['ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'CMD ["/bin/bash"]'] } as object);
    await follow(docker, stream);
  }

  // A small build context: node, npm and the headers node-gyp builds native modules against.
  const ctx = mkdtempSync(path.join(tmpdir(), 'gcd-node-base-'));
  try {
    const node = realpathSync(process.execPath);
    const prefix = path.dirname(path.dirname(node));
    const npmDir = [path.join(prefix, 'lib', 'node_modules', 'npm'), '/usr/lib/node_modules/npm', '/usr/local/lib/node_modules/npm'].find((d) => existsSync(path.join(d, 'bin', 'npm-cli.js')));
    if (!npmDir) throw new Error(`npm not found beside ${node}`);
    const headers = [path.join(prefix, 'include', 'node'), '/usr/include/node', '/usr/local/include/node'].find((d) => existsSync(path.join(d, 'node.h')));
    if (!headers) throw new Error(`node headers (include/node/node.h) not found beside ${node}`);
    mkdirSync(path.join(ctx, 'include'));
    cpSync(node, path.join(ctx, 'node'));
    cpSync(npmDir, path.join(ctx, 'npm'), { recursive: true });
    cpSync(headers, path.join(ctx, 'include', 'node'), { recursive: true });
    writeFileSync(path.join(ctx, 'extra-ca.pem'), extraCa ?? '');
    writeFileSync(
      path.join(ctx, 'Dockerfile'),
      [
        `FROM ${DEBIAN_IMAGE}`,
        'COPY node /usr/local/bin/node',
        'COPY npm /usr/local/lib/node_modules/npm',
        'COPY include /usr/local/include',
        'COPY extra-ca.pem /usr/local/share/gcd-extra-ca.pem',
        'RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx && node --version && npm --version',
        // node-gyp: the headers are here, nothing to download.
        'ENV npm_config_nodedir=/usr/local',
        ...(extraCa ? ['ENV NODE_EXTRA_CA_CERTS=/usr/local/share/gcd-extra-ca.pem'] : []),
        `LABEL gcd.node=${nodeVersion} gcd.extra-ca=${caLabel}`,
        'CMD ["node"]',
        '',
      ].join('\n'),
    );
    log(`building ${NODE_BASE_IMAGE} (node ${nodeVersion} from ${node})`);
    const tar = spawn('tar', ['-C', ctx, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const stream = await docker.buildImage(tar.stdout as never, { t: NODE_BASE_IMAGE, rm: true, forcerm: true });
    await follow(docker, stream);
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
  return NODE_BASE_IMAGE;
}

/** True when `cmd` runs here (debootstrap and docker-compose are needed to build and start the stack). */
export function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
