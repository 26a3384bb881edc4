// restore_cache / archive_cache: the shell executor's local cache, one zip per key at
// <cacheDir>/<project path>/<key>/cache.zip (as gitlab-runner stores a local cache).
// Restore (policy pull or pull-push) tries the key, then `fallback_keys`, then
// CACHE_FALLBACK_KEY. Archive (push or pull-push) runs when the entry's `when` fits the job
// outcome (default on_success) and replaces the archive atomically.
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CacheSpec } from '../../runner-api/protocol.js';
import { collectPaths } from '../files/collect-paths.js';
import { writeZip } from '../files/archive-write.js';
import { extractZip } from '../files/zip-extract.js';
import { JobFailure } from '../errors.js';
import type { JobContext } from './job-context.js';

const POLICIES = new Set(['', 'pull', 'push', 'pull-push']);

/** A cache key as a safe relative path, or null when it cannot be used. */
export function sanitizeCacheKey(key: string): string | null {
  const k = key.trim().replace(/\\/g, '/');
  if (!k || k.startsWith('/') || k.split('/').some((s) => s === '..' || s === '.' || s === '')) return null;
  return k;
}

function keyOf(ctx: JobContext, spec: CacheSpec): string {
  const key = ctx.vars.expand(spec.key);
  return key || `${ctx.job.job_info.name}/${ctx.job.git_info.ref}`;
}

export function projectPathOf(ctx: JobContext): string {
  const p = ctx.vars.get('CI_PROJECT_PATH');
  return p && sanitizeCacheKey(p) ? p : `project-${ctx.job.job_info.project_id}`;
}

function archiveFile(ctx: JobContext, key: string): string {
  return path.join(ctx.dirs.cacheDir, projectPathOf(ctx), key, 'cache.zip');
}

function checkPolicy(spec: CacheSpec): void {
  if (!POLICIES.has(spec.policy)) throw new JobFailure('script_failure', `unknown cache policy "${spec.policy}"`);
}

export async function restoreCache(ctx: JobContext): Promise<void> {
  for (const spec of ctx.job.cache) {
    checkPolicy(spec);
    if (spec.policy === 'push') {
      ctx.trace.writeln(`Not downloading cache ${keyOf(ctx, spec)} due to policy`);
      continue;
    }
    const candidates = [keyOf(ctx, spec), ...spec.fallback_keys.map((k) => ctx.vars.expand(k))];
    const envFallback = ctx.vars.get('CACHE_FALLBACK_KEY');
    if (envFallback) candidates.push(ctx.vars.expand(envFallback));
    let restored = false;
    for (const raw of candidates) {
      const key = sanitizeCacheKey(raw);
      if (!key) {
        ctx.trace.warning(`cache key "${raw}" is not usable, skipping`);
        continue;
      }
      ctx.trace.writeln(`Checking cache for ${key}...`);
      const file = archiveFile(ctx, key);
      if (!(await stat(file).catch(() => null))) {
        ctx.trace.warning('file does not exist');
        continue;
      }
      try {
        await extractZip(file, ctx.dirs.projectDir, { warn: (m) => ctx.trace.warning(m) });
        ctx.trace.writeln(`Successfully extracted cache`);
        restored = true;
        break;
      } catch (e) {
        ctx.trace.warning(`Failed to extract cache: ${(e as Error).message}`);
      }
    }
    if (!restored) ctx.trace.writeln('Failed to extract cache');
  }
}

export async function archiveCache(ctx: JobContext, succeeded: boolean): Promise<void> {
  for (const spec of ctx.job.cache) {
    checkPolicy(spec);
    const when = spec.when || 'on_success';
    if (!(when === 'always' || (succeeded ? when === 'on_success' : when === 'on_failure'))) continue;
    const key = sanitizeCacheKey(keyOf(ctx, spec));
    if (spec.policy === 'pull') {
      ctx.trace.writeln(`Not uploading cache ${key ?? spec.key} due to policy`);
      continue;
    }
    if (!key) {
      ctx.trace.warning(`cache key "${spec.key}" is not usable, skipping`);
      continue;
    }
    ctx.trace.writeln(`Creating cache ${key}...`);
    const collected = await collectPaths({
      root: ctx.dirs.projectDir,
      paths: spec.paths.map((p) => ctx.vars.expand(p)),
      untracked: spec.untracked,
      warn: (m) => ctx.trace.warning(m),
    });
    for (const p of collected.perPattern) if (p.count) ctx.trace.writeln(`${p.pattern}: found ${p.count} matching artifact files and directories`);
    if (!collected.entries.length) {
      ctx.trace.warning('No files to cache');
      continue;
    }
    const file = archiveFile(ctx, key);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      await writeZip(ctx.dirs.projectDir, collected.entries, tmp);
      await rename(tmp, file);
      ctx.trace.writeln('Created cache');
    } finally {
      await rm(tmp, { force: true });
    }
  }
}
