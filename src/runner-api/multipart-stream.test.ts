import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { AppError } from '../util/errors.js';
import { boundaryOf, readMultipart } from './multipart-stream.js';

async function* chunked(data: Buffer, size: number) {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function parse(body: Buffer, boundary: string, chunkSize: number) {
  const fields: Record<string, string> = {};
  const files: { name: string; filename?: string; data: Buffer }[] = [];
  await readMultipart(chunked(body, chunkSize), boundary, {
    onField: (name, value) => (fields[name] = value),
    onFile: async (f) => {
      const parts: Buffer[] = [];
      await pipeline(f.stream, new Writable({ write: (c, _e, cb) => (parts.push(c), cb()) }));
      files.push({ name: f.name, filename: f.filename, data: Buffer.concat(parts) });
    },
  });
  return { fields, files };
}

const payload = Buffer.concat([Buffer.from('\r\n--a\r\n--\r\n'), Buffer.alloc(5000, 7), Buffer.from('\r\n-')]);
const body = Buffer.concat([
  Buffer.from('preamble text\r\n--ab\r\nContent-Disposition: form-data; name="artifact_type"\r\n\r\njunit\r\n'),
  Buffer.from('--ab\r\nContent-Disposition: form-data; name="file"; filename="a b.zip"\r\nContent-Type: application/zip\r\n\r\n'),
  payload,
  Buffer.from('\r\n--ab--\r\nepilogue'),
]);

describe('readMultipart', () => {
  it('parses fields and files whatever the chunking, including delimiter-like bytes in the data', async () => {
    for (const size of [1, 2, 3, 7, 64, 1000, 100_000]) {
      const { fields, files } = await parse(body, 'ab', size);
      expect(fields).toEqual({ artifact_type: 'junit' });
      expect(files).toHaveLength(1);
      expect(files[0].name).toBe('file');
      expect(files[0].filename).toBe('a b.zip');
      expect(files[0].data.equals(payload)).toBe(true);
    }
  });

  it('reads the boundary from Content-Type', () => {
    expect(boundaryOf('multipart/form-data; boundary=----x1')).toBe('----x1');
    expect(boundaryOf('multipart/form-data; charset=utf-8; boundary="a b"')).toBe('a b');
    expect(boundaryOf('application/json')).toBeNull();
    expect(boundaryOf('multipart/form-data')).toBeNull();
  });

  it('refuses truncated or malformed bodies with bad_request', async () => {
    const bad = [
      body.subarray(0, body.length - 20),
      Buffer.from('no boundary here at all'),
      Buffer.from('--ab\r\nContent-Disposition: form-data; name="file"; filename="x"\r\n\r\nshort'),
      Buffer.from('--ab\r\nX-Nothing: 1\r\n\r\nv\r\n--ab--'),
      Buffer.from('--abXYZ'),
    ];
    for (const b of bad) {
      await expect(parse(b, 'ab', 4)).rejects.toSatisfy((e: unknown) => e instanceof AppError && e.code === 'bad_request');
    }
  });

  it('a failing consumer stops the parse with its error', async () => {
    const err = new AppError('payload_too_large', 'too big');
    await expect(
      readMultipart(chunked(body, 16), 'ab', {
        onField: () => undefined,
        onFile: async (f) => {
          f.stream.destroy();
          throw err;
        },
      }),
    ).rejects.toBe(err);
  });
});
