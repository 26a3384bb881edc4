// Server configuration: typed, defaulted and validated once at start.
// Precedence: explicit options (CLI flags) > environment (GCD_*) > config file (JSON) > defaults.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../util/errors.js';
import { parseSecretKey } from './secret-key.js';
import { DEFAULT_MONITORING_CIDRS, parseCidrList } from './monitoring-allowlist.js';
import { MAX_PIPELINE_JOBS } from '../ci/compile.js';

export interface ServerConfig {
  /** Where SQLite, git repos, artifacts and traces live. */
  dataDir: string;
  host: string;
  /** 0 = a free port. */
  port: number;
  /** URL runners and users reach the server at; default http://host:port. */
  externalUrl: string | null;
  /** postgres://… to use PostgreSQL; null = SQLite in dataDir. */
  database: string | null;
  /** How long jobs/request is held when nothing is pending. */
  longPollSeconds: number;
  /** A running job with no trace or update for this long is failed (stuck_or_timeout_failure). */
  staleJobSeconds: number;
  /** Largest artifact upload accepted (bytes). */
  maxArtifactBytes: number;
  /** Read-only UI/API without a token (default: only when bound to loopback). */
  anonymousRead: boolean;
  /** Directory of the built web UI; null = not served. */
  webRoot: string | null;
  logLevel: 'silent' | 'error' | 'warn' | 'info' | 'debug';
  /**
   * The key that encrypts secret values at rest: 32 bytes as 64 hex digits or base64. null = the
   * key file `secret.key` in dataDir, created at the first start (see secret-key.ts).
   */
  secretKey: string | null;
  /** Time budget of one .gitlab-ci.yml compile (GitLab: Gitlab::Ci::Config::TIMEOUT_SECONDS, 30). */
  compileTimeoutSeconds: number;
  /** Heap of a compile worker thread, MB; a compile needing more is an invalid configuration. */
  compileMemoryMb: number;
  /** Jobs in one pipeline (GitLab's `ci_pipeline_size`; 0 = no limit). Default 2000. */
  maxPipelineJobs: number;
  /**
   * Clients allowed to read /metrics and the health checks (/-/health, /-/readiness,
   * /-/liveness), as CIDRs; others get 404. GitLab's monitoring allowlist; default loopback only.
   */
  metricsAllowedCidrs: string[];
}

type Partial2<T> = { [K in keyof T]?: T[K] | undefined };

const ENV: Record<string, keyof ServerConfig> = {
  GCD_DATA_DIR: 'dataDir',
  GCD_HOST: 'host',
  GCD_PORT: 'port',
  GCD_EXTERNAL_URL: 'externalUrl',
  GCD_DATABASE_URL: 'database',
  GCD_LONG_POLL_SECONDS: 'longPollSeconds',
  GCD_STALE_JOB_SECONDS: 'staleJobSeconds',
  GCD_MAX_ARTIFACT_BYTES: 'maxArtifactBytes',
  GCD_ANONYMOUS_READ: 'anonymousRead',
  GCD_LOG_LEVEL: 'logLevel',
  GCD_SECRET_KEY: 'secretKey',
  GCD_COMPILE_TIMEOUT_SECONDS: 'compileTimeoutSeconds',
  GCD_COMPILE_MEMORY_MB: 'compileMemoryMb',
  GCD_MAX_PIPELINE_JOBS: 'maxPipelineJobs',
  GCD_METRICS_ALLOWED: 'metricsAllowedCidrs',
  GCD_WEB_ROOT: 'webRoot',
};

const isLoopback = (host: string) => host === '127.0.0.1' || host === '::1' || host === 'localhost';

export function defaultWebRoot(): string | null {
  const here = path.dirname(new URL(import.meta.url).pathname);
  // dist/server -> ../../web/dist ; src/server -> ../../web/dist
  return path.resolve(here, '..', '..', 'web', 'dist');
}

function fromEnv(env: NodeJS.ProcessEnv): Partial2<ServerConfig> {
  const out: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV)) if (env[name] !== undefined && env[name] !== '') out[key] = env[name];
  return out as Partial2<ServerConfig>;
}

function fromFile(file: string | undefined): Partial2<ServerConfig> {
  if (!file) return {};
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AppError('invalid_config', `cannot read config file ${file}: ${(error as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('expected a JSON object');
    return parsed as Partial2<ServerConfig>;
  } catch (error) {
    throw new AppError('invalid_config', `config file ${file}: ${(error as Error).message}`);
  }
}

function toNumber(key: string, value: unknown, min: number): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n < min) throw new AppError('invalid_config', `${key} must be a number >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}

function toBool(key: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new AppError('invalid_config', `${key} must be true or false, got ${JSON.stringify(value)}`);
}

/** Merge the sources and validate. Throws AppError('invalid_config') with a clear message. */
export function loadServerConfig(opts: {
  flags?: Partial2<ServerConfig>;
  env?: NodeJS.ProcessEnv;
  configFile?: string;
}): ServerConfig {
  const merged: Partial2<ServerConfig> = { ...fromFile(opts.configFile), ...fromEnv(opts.env ?? {}) };
  for (const [k, v] of Object.entries(opts.flags ?? {})) if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
  const known = new Set<string>(['dataDir', 'host', 'port', 'externalUrl', 'database', 'longPollSeconds', 'staleJobSeconds', 'maxArtifactBytes', 'anonymousRead', 'webRoot', 'logLevel', 'secretKey', 'compileTimeoutSeconds', 'compileMemoryMb', 'maxPipelineJobs', 'metricsAllowedCidrs']);
  for (const key of Object.keys(merged)) if (!known.has(key)) throw new AppError('invalid_config', `unknown config key: ${key}`);

  const host = String(merged.host ?? '127.0.0.1');
  const dataDir = path.resolve(String(merged.dataDir ?? '.gitlab-ci-dispatcher'));
  const database = merged.database ? String(merged.database) : null;
  if (database && !/^postgres(ql)?:\/\//.test(database)) throw new AppError('invalid_config', `database must be a postgres:// URL, got ${database}`);
  const externalUrl = merged.externalUrl ? String(merged.externalUrl).replace(/\/+$/, '') : null;
  if (externalUrl && !/^https?:\/\//.test(externalUrl)) throw new AppError('invalid_config', `externalUrl must start with http:// or https://`);
  const logLevel = String(merged.logLevel ?? 'warn') as ServerConfig['logLevel'];
  if (!['silent', 'error', 'warn', 'info', 'debug'].includes(logLevel)) throw new AppError('invalid_config', `logLevel must be one of silent, error, warn, info, debug`);
  const secretKey = merged.secretKey ? String(merged.secretKey) : null;
  if (secretKey) parseSecretKey(secretKey, 'secretKey (GCD_SECRET_KEY)');
  return {
    dataDir,
    host,
    port: toNumber('port', merged.port ?? 0, 0),
    externalUrl,
    database,
    longPollSeconds: toNumber('longPollSeconds', merged.longPollSeconds ?? 50, 0),
    // GitLab fails such a job after an hour; shorter values must leave room for a runner's
    // keep-alive (gitlab-runner updates at least every 30 s while a job runs).
    staleJobSeconds: toNumber('staleJobSeconds', merged.staleJobSeconds ?? 3600, 60),
    maxArtifactBytes: toNumber('maxArtifactBytes', merged.maxArtifactBytes ?? 1024 * 1024 * 1024, 1),
    anonymousRead: merged.anonymousRead === undefined ? isLoopback(host) : toBool('anonymousRead', merged.anonymousRead),
    webRoot: merged.webRoot === undefined ? defaultWebRoot() : merged.webRoot,
    logLevel,
    secretKey,
    compileTimeoutSeconds: toNumber('compileTimeoutSeconds', merged.compileTimeoutSeconds ?? 30, 0.01),
    compileMemoryMb: toNumber('compileMemoryMb', merged.compileMemoryMb ?? 512, 16),
    maxPipelineJobs: Math.floor(toNumber('maxPipelineJobs', merged.maxPipelineJobs ?? MAX_PIPELINE_JOBS, 0)),
    metricsAllowedCidrs: merged.metricsAllowedCidrs === undefined ? [...DEFAULT_MONITORING_CIDRS] : parseCidrList('metricsAllowedCidrs (GCD_METRICS_ALLOWED)', merged.metricsAllowedCidrs),
  };
}
