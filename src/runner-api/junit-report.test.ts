import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { TestCase } from '../engine/test-report.js';
import { readJunit } from './junit-report.js';

const REPORT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="math" tests="4">
    <testcase classname="math.add" name="adds" file="test/add.js" time="0.25"/>
    <testcase classname="math.div" name="divides by zero" time="1,000.5">
      <failure message="expected Infinity">AssertionError: expected NaN to be Infinity
    at div (test/div.js:3:9)</failure>
      <system-out>computing 1/0</system-out>
    </testcase>
    <testcase classname="math.pow" name="skipped one"><skipped message="not on CI"/></testcase>
    <testcase classname="math.sqrt" name="boom"><error message="TypeError">undefined is not a function</error></testcase>
  </testsuite>
</testsuites>`;

async function read(source: AsyncIterable<Buffer | string>, opts = {}) {
  const cases: TestCase[] = [];
  const batches: number[] = [];
  const result = await readJunit(source, async (b) => {
    batches.push(b.length);
    cases.push(...b);
  }, opts);
  return { cases, batches, ...result };
}

/** The text in chunks of `size` bytes (splits tags, attributes and multi-byte characters). */
const chunked = (text: string, size: number) => {
  const buf = Buffer.from(text);
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) parts.push(buf.subarray(i, i + size));
  return Readable.from(parts);
};

describe('readJunit', () => {
  it('reads statuses, times, messages and output, whatever the chunking', async () => {
    for (const size of [1, 7, 4096]) {
      const { cases, counts, error } = await read(chunked(REPORT, size));
      expect(error).toBeNull();
      expect(counts).toEqual({ total: 4, success: 1, failed: 1, skipped: 1, error: 1, time: 1000.75 });
      expect(cases.map((c) => [c.status, c.classname, c.name])).toEqual([
        ['success', 'math.add', 'adds'],
        ['failed', 'math.div', 'divides by zero'],
        ['skipped', 'math.pow', 'skipped one'],
        ['error', 'math.sqrt', 'boom'],
      ]);
      expect(cases[0]).toMatchObject({ file: 'test/add.js', executionTime: 0.25, systemOutput: null });
      expect(cases[1]!.systemOutput).toBe('expected Infinity\nAssertionError: expected NaN to be Infinity\n    at div (test/div.js:3:9)\n\ncomputing 1/0');
      expect(cases[2]!.systemOutput).toBe('not on CI');
    }
  });

  it('reads concatenated documents (one gzip member per file, as gitlab-runner uploads) and keeps UTF-8 across chunks', async () => {
    const two = REPORT + '\n' + REPORT.replace('adds', 'ajoute «é»');
    const { counts, cases, error } = await read(chunked(two, 3));
    expect(error).toBeNull();
    expect(counts.total).toBe(8);
    expect(cases[4]!.name).toBe('ajoute «é»');
  });

  it('caps kept text and cases but counts every case, in batches', async () => {
    const many = `<testsuite>${Array.from({ length: 1200 }, (_, i) => `<testcase name="t${i}"><failure>${'x'.repeat(500)}</failure></testcase>`).join('')}</testsuite>`;
    const { counts, cases, kept, batches } = await read(chunked(many, 65536), { maxCases: 1000, maxTextChars: 100, batchSize: 300 });
    expect(counts.failed).toBe(1200);
    expect(kept).toBe(1000);
    expect(cases).toHaveLength(1000);
    expect(Math.max(...batches)).toBeLessThanOrEqual(300 + 200);
    expect(cases[0]!.systemOutput!.length).toBeLessThanOrEqual(100);
  });

  it('reports a malformed document with GitLab wording, keeping what it read', async () => {
    const { error, counts } = await read(chunked('<testsuite><testcase name="a"/><testcase name="b">', 10));
    expect(error).toMatch(/^JUnit XML parsing failed: /);
    expect(counts.total).toBe(1);
    expect((await read(chunked('', 10))).error).toMatch(/^JUnit XML parsing failed/);
  });

  it('expands no external entity (no DTD processing)', async () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]><testsuite><testcase name="&x;"/></testsuite>`;
    const { cases } = await read(chunked(xxe, 50));
    expect(cases[0]?.name ?? '').not.toContain('root:');
  });
});
