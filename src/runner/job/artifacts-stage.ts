// upload_artifacts_on_success / upload_artifacts_on_failure: each `artifacts` entry whose
// `when` fits the job's outcome is collected (paths, exclude, untracked, `$VAR` expanded),
// archived in the format the payload asks for (zip, gzip, raw) into a temp file, and uploaded
// with its artifact_type/artifact_format/expire_in. An upload failure fails a successful job.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ArtifactSpec } from '../../runner-api/protocol.js';
import { collectPaths } from '../files/collect-paths.js';
import { writeGzipMembers, writeRaw, writeZip } from '../files/archive-write.js';
import { JobFailure } from '../errors.js';
import type { JobContext } from './job-context.js';

export function artifactsFor(specs: ArtifactSpec[], succeeded: boolean): ArtifactSpec[] {
  return specs.filter((a) => {
    const when = a.when || 'on_success';
    return when === 'always' || (succeeded ? when === 'on_success' : when === 'on_failure');
  });
}

const EXT: Record<string, string> = { zip: '.zip', gzip: '.gz', raw: '' };

export async function uploadArtifacts(ctx: JobContext, succeeded: boolean, root = ctx.dirs.projectDir): Promise<void> {
  const specs = artifactsFor(ctx.job.artifacts, succeeded).filter((a) => a.paths.length || a.untracked);
  if (!specs.length) return;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'gcd-upload-'));
  const failures: string[] = [];
  try {
    for (const spec of specs) {
      const type = spec.artifact_type || 'archive';
      const format = spec.artifact_format || 'zip';
      ctx.trace.info('Uploading artifacts...');
      const collected = await collectPaths({
        root,
        paths: spec.paths.map((p) => ctx.vars.expand(p)),
        exclude: spec.exclude.map((p) => ctx.vars.expand(p)),
        untracked: spec.untracked,
        warn: (m) => ctx.trace.warning(m),
      });
      for (const p of collected.perPattern) if (p.count) ctx.trace.writeln(`${p.pattern}: found ${p.count} matching artifact files and directories`);
      if (!collected.entries.length) {
        ctx.trace.error('No files to upload');
        continue;
      }
      const name = path.basename(ctx.vars.expand(spec.name || '') || 'default');
      const filename = `${name}${EXT[format] ?? ''}`;
      const file = path.join(tmp, `upload-${type}-${Math.random().toString(36).slice(2)}`);
      try {
        if (format === 'zip') await writeZip(root, collected.entries, file);
        else if (format === 'gzip') await writeGzipMembers(root, collected.entries, file);
        else if (format === 'raw') await writeRaw(root, collected.entries, file);
        else throw new Error(`unsupported artifact format ${format}`);
        await ctx.client.uploadArtifact(
          ctx.job.id,
          ctx.job.token,
          { file, filename, artifactType: type, artifactFormat: format, expireIn: spec.expire_in || undefined },
          ctx.abort,
        );
        ctx.trace.writeln(`Uploading artifacts as "${type}" to coordinator... 201 Created  id=${ctx.job.id} responseStatus=201 Created`);
      } catch (e) {
        if (ctx.abort.aborted) throw e;
        ctx.trace.warning(`Uploading artifacts as "${type}" to coordinator... failed: ${(e as Error).message}`);
        failures.push(`${type}: ${(e as Error).message}`);
      } finally {
        await rm(file, { force: true });
      }
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  if (failures.length && succeeded) throw new JobFailure('script_failure', `uploading artifacts failed: ${failures.join('; ')}`);
}
