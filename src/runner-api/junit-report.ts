// Streaming JUnit XML reader (artifacts:reports:junit). The uploaded report is read chunk by
// chunk through saxes (no DOM, no DTD or external entities), so memory stays bounded whatever its
// size: text kept per case is capped (`maxTextChars`), cases beyond `maxCases` are counted but not
// kept, and kept cases leave in batches through `onCases` (awaited: the next chunk is read after).
// A gzip upload from gitlab-runner holds one XML document per file, concatenated: a document
// following a closed root is read as the next one.
//
// Per <testcase>: <failure> → failed, else <error> → error, else <skipped> → skipped, else success
// (GitLab's order); system_output = the message attribute and body of that element, then
// <system-out>/<system-err>; execution_time = `time` (seconds).
import { SaxesParser, type SaxesTag } from 'saxes';
import { addCase, emptyCounts, type TestCase, type TestCaseStatus, type TestCounts } from '../engine/test-report.js';

export interface JunitReadOptions {
  maxTextChars?: number;
  maxCases?: number;
  batchSize?: number;
  signal?: AbortSignal;
}

export interface JunitReadResult {
  counts: TestCounts;
  /** Cases handed to onCases. */
  kept: number;
  /** First well-formedness error, GitLab's wording ("JUnit XML parsing failed: …"), or null. */
  error: string | null;
}

export const JUNIT_MAX_TEXT_CHARS = 64 * 1024;
export const JUNIT_MAX_CASES = 100_000;

interface OpenCase {
  name: string;
  classname: string;
  file: string | null;
  time: number;
  status: TestCaseStatus;
  /** Element whose text is being captured: 0 none. */
  message: string[];
  output: string[];
  size: number;
}

const STATUS_OF: Record<string, TestCaseStatus> = { failure: 'failed', error: 'error', skipped: 'skipped' };
const RANK: Record<TestCaseStatus, number> = { success: 0, skipped: 1, error: 2, failed: 3 };

function attr(tag: SaxesTag, name: string): string | null {
  const v: unknown = tag.attributes[name];
  return typeof v === 'string' ? v : null;
}

function seconds(v: string | null): number {
  const n = Number.parseFloat((v ?? '').replace(/,/g, ''));
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

export async function readJunit(
  source: AsyncIterable<Buffer | string>,
  onCases: (cases: TestCase[]) => Promise<void>,
  options: JunitReadOptions = {},
): Promise<JunitReadResult> {
  const maxText = options.maxTextChars ?? JUNIT_MAX_TEXT_CHARS;
  const maxCases = options.maxCases ?? JUNIT_MAX_CASES;
  const batchSize = options.batchSize ?? 200;
  const counts = emptyCounts();
  let kept = 0;
  let batch: TestCase[] = [];
  let error: string | null = null;
  let depth = 0;
  let rootsClosed = 0;
  let current: OpenCase | null = null;
  /** 'message' inside failure/error/skipped, 'output' inside system-out/err, null elsewhere. */
  let capture: 'message' | 'output' | null = null;
  let captureDepth = 0;

  const parser = new SaxesParser({ position: true });
  const append = (text: string) => {
    if (!current || !capture || current.size >= maxText) return;
    const piece = text.slice(0, maxText - current.size);
    current.size += piece.length;
    (capture === 'message' ? current.message : current.output).push(piece);
  };
  parser.on('error', (e) => {
    // the prolog and root of a further concatenated document are not errors here
    if (depth === 0 && rootsClosed > 0) return;
    if (/only one root/.test(e.message)) return;
    error ??= `JUnit XML parsing failed: ${e.message}`;
  });
  parser.on('opentag', (tag) => {
    depth += 1;
    const name = tag.name.toLowerCase();
    if (name === 'testcase' && !current) {
      current = {
        name: attr(tag, 'name') ?? '',
        classname: attr(tag, 'classname') ?? '',
        file: attr(tag, 'file'),
        time: seconds(attr(tag, 'time')),
        status: 'success',
        message: [],
        output: [],
        size: 0,
      };
      return;
    }
    if (!current || capture) return;
    const status = STATUS_OF[name];
    if (status) {
      if (RANK[status] > RANK[current.status]) current.status = status;
      capture = 'message';
      captureDepth = depth;
      const message = attr(tag, 'message');
      if (message) {
        append(message);
        append('\n');
      }
    } else if (name === 'system-out' || name === 'system-err') {
      capture = 'output';
      captureDepth = depth;
    }
  });
  parser.on('text', append);
  parser.on('cdata', append);
  parser.on('closetag', (tag) => {
    if (capture && depth === captureDepth) {
      if (capture === 'message') append('\n');
      capture = null;
    }
    depth -= 1;
    if (depth === 0) rootsClosed += 1;
    const open = current as OpenCase | null;
    if (!open || tag.name.toLowerCase() !== 'testcase') return;
    current = null;
    const text = [open.message.join('').trim(), open.output.join('').trim()].filter(Boolean).join('\n\n');
    const testCase: TestCase = {
      status: open.status,
      name: open.name,
      classname: open.classname,
      file: open.file,
      executionTime: open.time,
      systemOutput: text || null,
      stackTrace: null,
    };
    addCase(counts, testCase);
    if (kept < maxCases) {
      kept += 1;
      batch.push(testCase);
    }
  });

  const decoder = new TextDecoder('utf-8');
  const flush = async () => {
    if (!batch.length) return;
    const out = batch;
    batch = [];
    await onCases(out);
  };
  for await (const chunk of source) {
    options.signal?.throwIfAborted();
    parser.write(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    if (batch.length >= batchSize) await flush();
    // let timers and I/O run between chunks, whatever the source's pace
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const rest = decoder.decode();
  if (rest) parser.write(rest);
  parser.close();
  await flush();
  if (depth > 0 || (rootsClosed === 0 && !error)) error ??= 'JUnit XML parsing failed: the document ended before its root element was closed';
  return { counts, kept, error };
}
