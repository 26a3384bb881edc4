// An uploaded `junit` report is read into the engine right after its blob is stored, streaming
// from the blob store (gzip members or raw XML) through readJunit: chunk by chunk, cases saved in
// batches, so a large report costs bounded memory and never holds the event loop for long.
// A report that cannot be read is recorded with its error (GitLab's suite_error); the upload
// itself still succeeds, as in GitLab, which parses reports after the upload.
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FastifyBaseLogger } from 'fastify';
import type { BlobStore } from '../artifacts/blob-store.js';
import { addCase, emptyCounts } from '../engine/test-report.js';
import { readJunit } from './junit-report.js';
import type { DotenvSink } from './options.js';

export async function storeJunitUpload(opts: {
  sink: DotenvSink;
  blobs: BlobStore;
  jobId: number;
  storageKey: string;
  format: string;
  log?: FastifyBaseLogger;
}): Promise<void> {
  const { sink, blobs } = opts;
  if (!sink.storeTestReport) return;
  await sink.storeTestReport(opts.jobId, async (onCases) => {
    if (opts.format !== 'gzip' && opts.format !== 'raw') return { counts: emptyCounts(), error: `JUnit XML parsing failed: unsupported artifact format ${opts.format}` };
    const source = await blobs.get(opts.storageKey);
    let stream: Readable = source;
    if (opts.format === 'gzip') {
      stream = source.pipe(createGunzip());
      source.on('error', (e) => stream.destroy(e));
    }
    // what was stored before a failure (a corrupt gzip mid-way) is counted as it stays
    const stored = emptyCounts();
    try {
      const result = await readJunit(stream, async (cases) => {
        await onCases(cases);
        for (const c of cases) addCase(stored, c);
      });
      return { counts: result.counts, error: result.error };
    } catch (error) {
      opts.log?.warn({ jobId: opts.jobId, err: error }, 'junit report could not be read');
      return { counts: stored, error: `JUnit XML parsing failed: ${(error as Error).message}` };
    } finally {
      stream.destroy();
      source.destroy();
    }
  });
}
