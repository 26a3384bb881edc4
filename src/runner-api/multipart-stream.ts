// A streaming multipart/form-data reader for artifact uploads (RFC 7578): fields are collected,
// file parts are handed to `onFile` as a Readable while the body streams through, with
// backpressure (the source is not read faster than the consumer writes). The boundary is found
// with Buffer.indexOf (native), so parsing costs little next to hashing and writing.
//
// State machine: preamble --(--boundary CRLF)--> headers --(CRLF CRLF)--> body
//   body --(CRLF --boundary CRLF)--> headers | body --(CRLF --boundary--)--> done.
// Anything else (no boundary, oversized headers, end of input before the closing delimiter) is a
// bad_request; an error of the consumer aborts the parse.
import { PassThrough, type Readable } from 'node:stream';
import { badRequest } from '../util/errors.js';

export interface MultipartFile {
  name: string;
  filename: string | undefined;
  contentType: string | undefined;
  stream: Readable;
}

export interface MultipartLimits {
  maxHeaderBytes?: number;
  maxParts?: number;
  maxFieldBytes?: number;
}

export function boundaryOf(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType)) return null;
  const m = /;\s*boundary=(?:"([^"]{1,200})"|([^\s;]{1,200}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : null;
}

function headerParam(value: string, key: string): string | undefined {
  const m = new RegExp(`;\\s*${key}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, 'i').exec(value);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
}

function parseHeaders(block: string): { name: string; filename?: string; contentType?: string } {
  let disposition: string | undefined;
  let contentType: string | undefined;
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === 'content-disposition') disposition = value;
    else if (key === 'content-type') contentType = value;
  }
  if (!disposition || !/^form-data\b/i.test(disposition)) throw badRequest('multipart part without Content-Disposition: form-data');
  const name = headerParam(disposition, 'name');
  if (name === undefined) throw badRequest('multipart part without a name');
  return { name, filename: headerParam(disposition, 'filename'), contentType };
}

export async function readMultipart(
  source: AsyncIterable<Buffer>,
  boundary: string,
  handlers: { onField(name: string, value: string): void; onFile(file: MultipartFile): Promise<void> },
  limits: MultipartLimits = {},
): Promise<void> {
  const maxHeaderBytes = limits.maxHeaderBytes ?? 16 * 1024;
  const maxParts = limits.maxParts ?? 40;
  const maxFieldBytes = limits.maxFieldBytes ?? 64 * 1024;
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let state: 'preamble' | 'headers' | 'body' | 'done' = 'preamble';
  // The preamble may be empty: pretend a CRLF precedes the first boundary.
  let buf: Buffer = Buffer.from('\r\n');
  let parts = 0;
  let file: PassThrough | null = null;
  let fileDone: Promise<void> | null = null;
  let field: { name: string; chunks: Buffer[]; size: number } | null = null;
  let consumerError: unknown = null;

  const emit = async (data: Buffer) => {
    if (data.length === 0) return;
    if (field) {
      field.size += data.length;
      if (field.size > maxFieldBytes) throw badRequest(`multipart field ${field.name} is too large`);
      field.chunks.push(Buffer.from(data));
    } else if (file) {
      const stream: PassThrough = file;
      const failed = async () => {
        await fileDone;
        throw consumerError ?? badRequest('upload aborted');
      };
      if (stream.destroyed) return failed();
      if (!stream.write(data)) {
        // Wait for the consumer; never rejects (a consumer failure arrives through fileDone).
        await new Promise<void>((resolve) => {
          if (stream.destroyed) return resolve();
          const done = () => {
            stream.off('drain', done);
            stream.off('close', done);
            resolve();
          };
          stream.once('drain', done);
          stream.once('close', done);
        });
      }
      if (stream.destroyed || consumerError) return failed();
    }
  };

  const endPart = async () => {
    if (field) handlers.onField(field.name, Buffer.concat(field.chunks).toString('utf8'));
    field = null;
    if (file) {
      file.end();
      await fileDone;
      if (consumerError) throw consumerError;
    }
    file = null;
    fileDone = null;
  };

  const startPart = (headers: { name: string; filename?: string; contentType?: string }) => {
    if (++parts > maxParts) throw badRequest('too many multipart parts');
    if (headers.filename === undefined) {
      field = { name: headers.name, chunks: [], size: 0 };
      return;
    }
    const stream = new PassThrough({ highWaterMark: 1024 * 1024 });
    // The consumer may not have attached its listeners yet when the parse fails.
    stream.on('error', () => undefined);
    file = stream;
    fileDone = handlers.onFile({ name: headers.name, filename: headers.filename, contentType: headers.contentType, stream }).catch((error) => {
      consumerError = error;
      stream.destroy();
    });
  };

  try {
    for await (const chunk of source) {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      for (;;) {
        if (state === 'preamble' || state === 'body') {
          const at = buf.indexOf(delimiter);
          if (at < 0) {
            // Keep a tail that could be the start of a delimiter split across chunks.
            const keep = Math.min(buf.length, delimiter.length + 1);
            if (state === 'body') await emit(buf.subarray(0, buf.length - keep));
            else if (buf.length > maxHeaderBytes) throw badRequest('multipart boundary not found');
            buf = buf.subarray(buf.length - keep);
            break;
          }
          if (buf.length < at + delimiter.length + 2) break; // need the two bytes after it
          if (state === 'body') {
            await emit(buf.subarray(0, at));
            await endPart();
          }
          const after = buf.subarray(at + delimiter.length, at + delimiter.length + 2).toString('latin1');
          if (after === '--') {
            state = 'done';
            buf = Buffer.alloc(0);
            break;
          }
          // Transport padding (spaces/tabs) may precede the CRLF.
          let next = at + delimiter.length;
          while (next < buf.length && (buf[next] === 0x20 || buf[next] === 0x09)) next++;
          if (buf.length < next + 2) break;
          if (buf[next] !== 0x0d || buf[next + 1] !== 0x0a) throw badRequest('malformed multipart delimiter');
          buf = buf.subarray(next + 2);
          state = 'headers';
        }
        if (state === 'headers') {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) {
            if (buf.length > maxHeaderBytes) throw badRequest('multipart headers too large');
            break;
          }
          startPart(parseHeaders(buf.subarray(0, end).toString('utf8')));
          buf = buf.subarray(end + 4);
          state = 'body';
          continue;
        }
        if (state === 'done') {
          buf = Buffer.alloc(0);
          break;
        }
      }
    }
    if (state !== 'done') throw badRequest('unexpected end of multipart body');
  } catch (error) {
    const open = file as PassThrough | null;
    if (open) {
      open.destroy();
      await (fileDone as Promise<void> | null)?.catch(() => undefined);
    }
    throw error;
  }
}
