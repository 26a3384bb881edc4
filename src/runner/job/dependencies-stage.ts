// download_artifacts: every dependency with an artifacts file is downloaded with its token and
// extracted into the project directory (zip-slip safe). A failure fails the job.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { extractZip } from '../files/zip-extract.js';
import { JobFailure } from '../errors.js';
import type { JobContext } from './job-context.js';

/** Downloads run this far ahead of the extraction (which stays in dependency order). */
const AHEAD = 3;

export async function downloadDependencies(ctx: JobContext, destDir = ctx.dirs.projectDir): Promise<string[]> {
  const deps = ctx.job.dependencies.filter((d) => d.artifacts_file.filename);
  const extracted: string[] = [];
  if (!deps.length) return extracted;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'gcd-artifacts-'));
  const files = deps.map((dep) => path.join(tmp, `${dep.id}.zip`));
  // The next downloads go on while one archive is extracted (each is mostly waiting on the
  // coordinator); the log and the extraction keep the order of the dependencies.
  const downloads: Promise<void>[] = [];
  const ahead = new AbortController(); // a failure stops the downloads still running ahead
  const signal = AbortSignal.any([ctx.abort, ahead.signal]);
  const download = (i: number) => {
    if (i < deps.length && downloads[i] === undefined) {
      downloads[i] = ctx.client.downloadArtifact(deps[i].id, deps[i].token, files[i], signal);
      downloads[i].catch(() => undefined); // awaited in order below
    }
  };
  try {
    for (let i = 0; i < deps.length; i++) {
      const dep = deps[i];
      for (let j = i; j < i + AHEAD; j++) download(j);
      ctx.trace.info(`Downloading artifacts for ${dep.name} (${dep.id})...`);
      try {
        await downloads[i];
        ctx.trace.writeln(`Downloading artifacts from coordinator... ok${' '.repeat(8)}id=${dep.id} responseStatus=200 OK`);
        await extractZip(files[i], destDir, { warn: (m) => ctx.trace.warning(m) });
        extracted.push(dep.name);
      } catch (e) {
        if (ctx.abort.aborted) throw e;
        throw new JobFailure('script_failure', `downloading artifacts of ${dep.name} (${dep.id}) failed: ${(e as Error).message}`);
      } finally {
        await rm(files[i], { force: true });
      }
    }
  } finally {
    // after a failure, downloads running ahead are stopped and end before their directory goes
    ahead.abort();
    await Promise.allSettled(downloads);
    await rm(tmp, { recursive: true, force: true });
  }
  return extracted;
}
