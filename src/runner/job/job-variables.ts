// The variables a job runs with (§8): the runner's own (§8.2) around the job's, `$VAR`
// expansion of non-raw values against the unexpanded list (the last definition of a key wins),
// `file` variables written to a temp file whose path becomes the value, and the set of secrets
// to mask (masked values and the job token).
import { mkdir, writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { JobVariable } from '../../runner-api/protocol.js';
import { goExpand } from './expand.js';

export interface ResolvedVariables {
  /** In order; later entries win (as in bash exports). */
  list: JobVariable[];
  /** The final environment: key → value (file variables → file path). */
  env: Record<string, string>;
  secrets: string[];
  expand(text: string): string;
  get(key: string): string | undefined;
  /** `file` variables: key → content (written by writeFileVariables). */
  files: Map<string, string>;
}

export function resolveVariables(opts: {
  runnerBefore: JobVariable[];
  job: JobVariable[];
  runnerAfter: JobVariable[];
  jobToken: string;
  tmpDir: string;
}): ResolvedVariables {
  const raw = [...opts.runnerBefore, ...opts.job, ...opts.runnerAfter];
  const filePath = (key: string) => path.join(opts.tmpDir, key);
  const lookupRaw = (name: string): string => {
    for (let i = raw.length - 1; i >= 0; i--) {
      if (raw[i].key === name) return raw[i].file ? filePath(name) : raw[i].value;
    }
    return '';
  };
  const list = raw.map((v) => (v.raw ? { ...v } : { ...v, value: goExpand(v.value, lookupRaw) }));
  const env: Record<string, string> = {};
  for (const v of list) env[v.key] = v.file ? filePath(v.key) : v.value;
  const contents = new Map(list.filter((v) => v.file).map((v) => [v.key, v.value] as const));
  const secrets = new Set<string>([opts.jobToken]);
  for (const v of raw) if (v.masked && v.value) secrets.add(v.value);
  for (const v of list) if (v.masked && v.value) secrets.add(v.value);
  return {
    list,
    env,
    secrets: [...secrets].filter((s) => s.length > 0),
    expand: (text) => goExpand(text, (name) => env[name] ?? ''),
    get: (key) => env[key],
    files: contents,
  };
}

/** Writes `file` variables into tmpDir (mode 0600). */
export async function writeFileVariables(vars: ResolvedVariables, tmpDir: string): Promise<void> {
  const contents = vars.files;
  if (!contents.size) return;
  await mkdir(tmpDir, { recursive: true, mode: 0o700 });
  for (const [key, value] of contents) await writeFile(path.join(tmpDir, key), value, { mode: 0o600 });
}

export async function removeFileVariables(vars: ResolvedVariables, tmpDir: string): Promise<void> {
  const contents = vars.files;
  for (const key of contents.keys()) await rm(path.join(tmpDir, key), { force: true });
}

export const v = (key: string, value: string, extra: Partial<JobVariable> = {}): JobVariable => ({
  key,
  value,
  public: true,
  masked: false,
  ...extra,
});
