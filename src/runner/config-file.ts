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
//       "environment": ["KEY=value"],       // optional, added to every job
//       "max_load": 4, "min_free_memory_mb": 512   // optional: refuse jobs past these
//     }]
//   }
//
// Default location: $GCD_RUNNER_CONFIG, else ~/.gitlab-ci-dispatcher/runner.json. Written with
// mode 0600 (it holds tokens).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../util/errors.js';

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
  environment?: string[];
  max_load?: number;
  min_free_memory_mb?: number;
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
    if (r.environment !== undefined && !(Array.isArray(r.environment) && r.environment.every((e) => typeof e === 'string' && e.includes('=')))) {
      throw bad(`runners[${i}].environment must be a list of KEY=value strings`);
    }
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
