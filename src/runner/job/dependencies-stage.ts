// download_artifacts: every dependency with an artifacts file is downloaded with its token and
// extracted into the project directory (zip-slip safe). A failure fails the job.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { extractZip } from '../files/zip-extract.js';
import { JobFailure } from '../errors.js';
import type { JobContext } from './job-context.js';

export async function downloadDependencies(ctx: JobContext, destDir = ctx.dirs.projectDir): Promise<string[]> {
  const deps = ctx.job.dependencies.filter((d) => d.artifacts_file.filename);
  const extracted: string[] = [];
  if (!deps.length) return extracted;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'gcd-artifacts-'));
  try {
    for (const dep of deps) {
      ctx.trace.info(`Downloading artifacts for ${dep.name} (${dep.id})...`);
      const file = path.join(tmp, `${dep.id}.zip`);
      try {
        await ctx.client.downloadArtifact(dep.id, dep.token, file, ctx.abort);
        ctx.trace.writeln(`Downloading artifacts from coordinator... ok${' '.repeat(8)}id=${dep.id} responseStatus=200 OK`);
        await extractZip(file, destDir, { warn: (m) => ctx.trace.warning(m) });
        extracted.push(dep.name);
      } catch (e) {
        if (ctx.abort.aborted) throw e;
        throw new JobFailure('script_failure', `downloading artifacts of ${dep.name} (${dep.id}) failed: ${(e as Error).message}`);
      } finally {
        await rm(file, { force: true });
      }
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return extracted;
}
