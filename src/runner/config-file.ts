// The runner config file written by `runner register` and read by `runner run`. JSON:
//
//   {
//     "concurrent": 2,                      // jobs at once per runner entry (default 1)
//     "listen": "127.0.0.1:9252",           // optional: /metrics and /health
//     "runners": [{
//       "name": "my runner",                // description
//       "url": "http://127.0.0.1:8080",     // coordinator URL
//       "id": 3, "token": "glrt-…", "token_expires_at": null,
//       "system_id": "s_0123456789ab",
//       "builds_dir": "/var/lib/gcd/builds", "cache_dir": "/var/lib/gcd/cache",   // optional
//       "limit": 2,                         // optional, overrides "concurrent" for this entry
//       "request_concurrency": 2,           // optional: requests for jobs open at once (default 1)
//       "environment": ["KEY=value"],       // optional, added to every job
//       "max_load": 4, "min_free_memory_mb": 512,  // optional: refuse jobs past these
//       "executor": "docker",               // optional: "shell" (default) or "docker"
//       "docker": {                         // gitlab-runner's [runners.docker] names
//         "image": "alpine:3.20",           // for jobs without image:
//         "network_mode": "bridge",         // "bridge" (a network per job) or "host"
//         "pull_policy": ["always"],        // always | if-not-present | never (tried in order)
//         "allowed_pull_policies": ["always", "if-not-present"],   // default: pull_policy
//         "wait_for_services_timeout": 30   // seconds; 0: no wait
//       }
//     }]
//   }
//
// Default location: $GCD_RUNNER_CONFIG, else ~/.gitlab-ci-dispatcher/runner.json. Written with
// mode 0600 (it holds tokens).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../util/errors.js';
import { isPullPolicy, type PullPolicy } from './docker/pull-policy.js';
import type { DockerExecutorOptions } from './docker/docker-executor.js';

export interface DockerSection {
  image?: string;
  network_mode?: 'bridge' | 'host';
  pull_policy?: PullPolicy[] | PullPolicy;
  allowed_pull_policies?: PullPolicy[];
  wait_for_services_timeout?: number;
}

export interface RunnerEntry {
  name?: string;
  url: string;
  id?: number;
  token: string;
  token_expires_at?: string | null;
  system_id?: string;
  builds_dir?: string;
  cache_dir?: string;
  limit?: number;
  request_concurrency?: number;
  environment?: string[];
  max_load?: number;
  min_free_memory_mb?: number;
  executor?: 'shell' | 'docker';
  docker?: DockerSection;
}

export interface RunnerConfigFile {
  concurrent?: number;
  listen?: string;
  runners: RunnerEntry[];
}

export function defaultConfigPath(): string {
  return process.env.GCD_RUNNER_CONFIG || path.join(os.homedir(), '.gitlab-ci-dispatcher', 'runner.json');
}

export async function readConfigFile(file: string): Promise<RunnerConfigFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { runners: [] };
    throw e;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new AppError('invalid_config', `${file}: not valid JSON: ${(e as Error).message}`);
  }
  return validateConfig(parsed, file);
}

export function validateConfig(v: unknown, file = 'config'): RunnerConfigFile {
  const bad = (m: string) => new AppError('invalid_config', `${file}: ${m}`);
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw bad('expected an object');
  const c = v as Record<string, unknown>;
  if (c.concurrent !== undefined && !(Number.isInteger(c.concurrent) && (c.concurrent as number) > 0)) throw bad('"concurrent" must be a positive integer');
  if (c.listen !== undefined && typeof c.listen !== 'string') throw bad('"listen" must be a string');
  const runners = c.runners ?? [];
  if (!Array.isArray(runners)) throw bad('"runners" must be an array');
  runners.forEach((r: Record<string, unknown>, i) => {
    if (!r || typeof r !== 'object') throw bad(`runners[${i}] must be an object`);
    if (typeof r.url !== 'string' || !r.url) throw bad(`runners[${i}].url is required`);
    if (typeof r.token !== 'string' || !r.token) throw bad(`runners[${i}].token is required`);
    for (const k of ['builds_dir', 'cache_dir', 'name', 'system_id'] as const) if (r[k] !== undefined && typeof r[k] !== 'string') throw bad(`runners[${i}].${k} must be a string`);
    for (const k of ['limit', 'max_load', 'min_free_memory_mb'] as const) if (r[k] !== undefined && !(typeof r[k] === 'number' && (r[k] as number) > 0)) throw bad(`runners[${i}].${k} must be a positive number`);
    if (r.request_concurrency !== undefined && !(Number.isInteger(r.request_concurrency) && (r.request_concurrency as number) > 0)) {
      throw bad(`runners[${i}].request_concurrency must be a positive integer`);
    }
    if (r.environment !== undefined && !(Array.isArray(r.environment) && r.environment.every((e) => typeof e === 'string' && e.includes('=')))) {
      throw bad(`runners[${i}].environment must be a list of KEY=value strings`);
    }
    if (r.executor !== undefined && r.executor !== 'shell' && r.executor !== 'docker') throw bad(`runners[${i}].executor must be "shell" or "docker"`);
    if (r.docker !== undefined) validateDocker(r.docker, (m) => bad(`runners[${i}].docker.${m}`));
  });
  return { ...(c as object), runners } as RunnerConfigFile;
}

export async function writeConfigFile(file: string, config: RunnerConfigFile): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, file);
}

/** Adds or replaces (same url + token, or same url + id) a runner entry. */
export function upsertRunner(config: RunnerConfigFile, entry: RunnerEntry): RunnerConfigFile {
  const same = (r: RunnerEntry) => r.url === entry.url && (r.token === entry.token || (entry.id !== undefined && r.id === entry.id));
  return { ...config, runners: [...config.runners.filter((r) => !same(r)), entry] };
}

function validateDocker(d: unknown, bad: (m: string) => AppError): void {
  if (!d || typeof d !== 'object' || Array.isArray(d)) throw bad('(section) must be an object');
  const o = d as Record<string, unknown>;
  if (o.image !== undefined && (typeof o.image !== 'string' || !o.image)) throw bad('image must be a non-empty string');
  if (o.network_mode !== undefined && o.network_mode !== 'bridge' && o.network_mode !== 'host') throw bad('network_mode must be "bridge" or "host"');
  for (const k of ['pull_policy', 'allowed_pull_policies'] as const) {
    const v = o[k];
    if (v === undefined) continue;
    const list = Array.isArray(v) ? v : [v];
    if (!list.every((p) => typeof p === 'string' && isPullPolicy(p))) throw bad(`${k} must be always, if-not-present or never (or a list of them)`);
  }
  if (o.wait_for_services_timeout !== undefined && !(typeof o.wait_for_services_timeout === 'number' && Number.isFinite(o.wait_for_services_timeout))) {
    throw bad('wait_for_services_timeout must be a number of seconds');
  }
}

/** The docker executor's options of an entry, or undefined for the shell executor. */
export function dockerOptionsOf(e: RunnerEntry): Omit<DockerExecutorOptions, 'runnerToken'> | undefined {
  if (e.executor !== 'docker') return undefined;
  const d = e.docker ?? {};
  const list = (v: PullPolicy[] | PullPolicy | undefined) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);
  return {
    image: d.image,
    networkMode: d.network_mode,
    pullPolicy: list(d.pull_policy),
    allowedPullPolicies: list(d.allowed_pull_policies),
    waitForServicesTimeoutS: d.wait_for_services_timeout,
  };
}
