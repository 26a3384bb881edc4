// Relay configuration: typed, defaulted and validated once at start.
// Precedence: flags > GCD_RELAY_* environment > the "relay" key of a JSON config file > defaults.
//
//   { "relay": { "upstreamUrl": "https://gitlab.example.com", "upstreamToken": "glrt-…",
//                "listen": "127.0.0.1:8093", "launcher": "docker", "launchImage": "my/runner:1",
//                "maxJobs": 4, "launchTimeout": 300, "shutdownTimeout": 3600 } }
//
// Every key has an environment twin: upstreamUrl → GCD_RELAY_UPSTREAM_URL, maxJobs →
// GCD_RELAY_MAX_JOBS, and so on (camelCase → UPPER_SNAKE).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../util/errors.js';

export type LauncherKind = 'command' | 'process' | 'docker';

export interface RelayConfig {
  upstreamUrl: string;
  upstreamToken: string;
  /** host:port of the inner runner API, /metrics and /-/health. */
  listen: string;
  /** The URL the launched runner reaches the relay at (RELAY_URL); default http://<listen>. */
  advertiseUrl: string | null;
  launcher: LauncherKind;
  /** `command`: run under /bin/sh -c. */
  launchCommand: string | null;
  /** `docker`: the image whose entrypoint runs a runner. */
  launchImage: string | null;
  /** Seconds for the launched runner to pick the job up. */
  launchTimeout: number;
  /** Seconds running jobs get to finish after SIGTERM. */
  shutdownTimeout: number;
  maxJobs: number;
  maxLoad: number | null;
  minFreeMemoryMb: number | null;
  /** State file, per-job builds (process launcher). */
  dataDir: string;
  /** Pause after an empty poll, ms (gitlab-runner's check_interval). */
  pollInterval: number;
  /** Rewrite git_info.repo_url (and submodule/git traffic) to go through the relay. */
  proxyGit: boolean;
  /** Rewrite artifact download redirects to go through the relay. */
  proxyArtifacts: boolean;
  /** The info.executor/shell announced upstream for the command and docker launchers. */
  runnerExecutor: string;
  runnerShell: string;
  systemId: string | null;
  description: string | null;
  debug: boolean;
}

type Raw = { [K in keyof RelayConfig]?: unknown };

export const RELAY_KEYS: (keyof RelayConfig)[] = [
  'upstreamUrl', 'upstreamToken', 'listen', 'advertiseUrl', 'launcher', 'launchCommand', 'launchImage', 'launchTimeout',
  'shutdownTimeout', 'maxJobs', 'maxLoad', 'minFreeMemoryMb', 'dataDir', 'pollInterval', 'proxyGit', 'proxyArtifacts',
  'runnerExecutor', 'runnerShell', 'systemId', 'description', 'debug',
];

export const envName = (key: string) => `GCD_RELAY_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

export function defaultRelayConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.GCD_RELAY_CONFIG || path.join(os.homedir(), '.gitlab-ci-dispatcher', 'relay.json');
}

/** The "relay" object of a config file; {} when the file does not exist. */
export function readRelayConfigFile(file: string): Raw {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new AppError('invalid_config', `${file}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new AppError('invalid_config', `${file}: not valid JSON: ${(e as Error).message}`);
  }
  const relay = (parsed as { relay?: unknown } | null)?.relay;
  if (relay === undefined) return {};
  if (!relay || typeof relay !== 'object' || Array.isArray(relay)) throw new AppError('invalid_config', `${file}: "relay" must be an object`);
  for (const k of Object.keys(relay)) if (!RELAY_KEYS.includes(k as keyof RelayConfig)) throw new AppError('invalid_config', `${file}: unknown key relay.${k}`);
  return relay as Raw;
}

export function loadRelayConfig(opts: { flags?: Raw; env?: NodeJS.ProcessEnv; file?: Raw }): RelayConfig {
  const env = opts.env ?? {};
  const fromEnv: Raw = {};
  for (const k of RELAY_KEYS) if (env[envName(k)] !== undefined && env[envName(k)] !== '') fromEnv[k] = env[envName(k)];
  const merged: Raw = { ...opts.file };
  for (const src of [fromEnv, opts.flags ?? {}]) for (const [k, v] of Object.entries(src)) if (v !== undefined) merged[k as keyof RelayConfig] = v;
  const bad = (m: string) => new AppError('invalid_config', m);
  const str = (k: keyof RelayConfig, required = false): string | null => {
    const v = merged[k];
    if (v === undefined || v === null || v === '') {
      if (required) throw bad(`${k} is required (--${kebab(k)} or ${envName(k)})`);
      return null;
    }
    if (typeof v !== 'string') throw bad(`${k} must be a string`);
    return v;
  };
  const num = (k: keyof RelayConfig, def: number | null, min: number): number | null => {
    const v = merged[k];
    if (v === undefined || v === null || v === '') return def;
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(n) || n < min) throw bad(`${k} must be a number >= ${min}, got "${String(v)}"`);
    return n;
  };
  const bool = (k: keyof RelayConfig): boolean => {
    const v = merged[k];
    if (v === undefined || v === null || v === '') return false;
    if (typeof v === 'boolean') return v;
    const s = String(v).toLowerCase();
    if (['true', '1', 'yes'].includes(s)) return true;
    if (['false', '0', 'no'].includes(s)) return false;
    throw bad(`${k} must be true or false, got "${String(v)}"`);
  };
  const upstreamUrl = str('upstreamUrl', true)!;
  if (!/^https?:\/\/[^/]/.test(upstreamUrl)) throw bad(`upstreamUrl must be an http(s) URL, got "${upstreamUrl}"`);
  const launcher = (str('launcher') ?? 'process') as LauncherKind;
  if (!['command', 'process', 'docker'].includes(launcher)) throw bad(`launcher must be command, process or docker, got "${launcher}"`);
  const listen = str('listen') ?? '127.0.0.1:8093';
  parseListen(listen);
  const config: RelayConfig = {
    upstreamUrl,
    upstreamToken: str('upstreamToken', true)!,
    listen,
    advertiseUrl: str('advertiseUrl'),
    launcher,
    launchCommand: str('launchCommand'),
    launchImage: str('launchImage'),
    launchTimeout: num('launchTimeout', 300, 1)!,
    shutdownTimeout: num('shutdownTimeout', 3600, 0)!,
    maxJobs: Math.floor(num('maxJobs', 1, 1)!),
    maxLoad: num('maxLoad', null, 0),
    minFreeMemoryMb: num('minFreeMemoryMb', null, 0),
    dataDir: str('dataDir') ?? path.join(os.homedir(), '.gitlab-ci-dispatcher', 'relay'),
    pollInterval: num('pollInterval', 3000, 10)!,
    proxyGit: bool('proxyGit'),
    proxyArtifacts: bool('proxyArtifacts'),
    runnerExecutor: str('runnerExecutor') ?? (launcher === 'process' ? 'shell' : 'shell'),
    runnerShell: str('runnerShell') ?? 'bash',
    systemId: str('systemId'),
    description: str('description'),
    debug: bool('debug'),
  };
  if (launcher === 'command' && !config.launchCommand) throw bad('the command launcher needs launchCommand (--launch-command)');
  if (launcher === 'docker' && !config.launchImage) throw bad('the docker launcher needs launchImage (--launch-image)');
  if (config.advertiseUrl && !/^https?:\/\/[^/]/.test(config.advertiseUrl)) throw bad(`advertiseUrl must be an http(s) URL`);
  return config;
}

export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** "host:port", "[::1]:port" or "port" (127.0.0.1). */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(listen) ?? /^()()(\d+)$/.exec(listen);
  if (!m) throw new AppError('invalid_config', `listen must be host:port, got "${listen}"`);
  const port = Number(m[3]);
  if (port > 65535) throw new AppError('invalid_config', `listen port out of range: ${port}`);
  return { host: m[1] || m[2] || '127.0.0.1', port };
}

/** The base URL the inner runner gets (RELAY_URL), without /api/v4. */
export function relayBaseUrl(config: Pick<RelayConfig, 'advertiseUrl'>, bound: { host: string; port: number }): string {
  if (config.advertiseUrl) return config.advertiseUrl.replace(/\/+$/, '');
  const host = bound.host === '0.0.0.0' ? '127.0.0.1' : bound.host === '::' ? '[::1]' : bound.host.includes(':') ? `[${bound.host}]` : bound.host;
  return `http://${host}:${bound.port}`;
}
