// Form bodies for the runner API, as GitLab (Grape on Rack) takes them besides JSON:
// `application/x-www-form-urlencoded` (`curl --data`) and `multipart/form-data` (`curl --form`,
// as GitLab's docs register a runner). Field names use Rack's bracket notation:
//   info[name]=x            -> { info: { name: "x" } }
//   info[features][shared]  -> nested objects
//   tag_list[]=a&tag_list[]=b -> { tag_list: ["a", "b"] }
// Values stay strings; the typed readers of request-input.ts coerce "true"/"false" and numbers.
// A route opts in with `preValidation: formBodyHook`; the body (at most 64 KiB) then replaces the
// raw stream the runner API's catch-all content-type parser hands over.
import type { FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { AppError, badRequest } from '../util/errors.js';
import { boundaryOf, readMultipart } from './multipart-stream.js';
import { readBounded } from './trace-route.js';

export const MAX_FORM_BYTES = 64 * 1024;
const MAX_FIELDS = 1000;
const MAX_DEPTH = 8;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

type Node = Record<string, unknown>;

/** Splits `a[b][]` into ["a", "b", ""]; null when the brackets are malformed. */
function keyPath(name: string): string[] | null {
  const open = name.indexOf('[');
  if (open < 0) return [name];
  const path = [name.slice(0, open)];
  const rest = name.slice(open);
  const re = /\[([^[\]]*)\]/g;
  let consumed = 0;
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    if (m.index !== consumed) return null;
    path.push(m[1]);
    consumed = re.lastIndex;
  }
  return consumed === rest.length ? path : null;
}

/** Rack-style nesting of (name, value) pairs; conflicting shapes (a=1 and a[b]=2) are a 400. */
export function nestFormFields(pairs: Iterable<[string, string]>): Node {
  const root: Node = {};
  let count = 0;
  for (const [name, value] of pairs) {
    if (++count > MAX_FIELDS) throw badRequest(`form body has more than ${MAX_FIELDS} fields`);
    const path = keyPath(name);
    if (!path || path[0] === '') throw badRequest(`invalid form field name ${JSON.stringify(name.slice(0, 100))}`);
    if (path.length > MAX_DEPTH) throw badRequest(`form field ${JSON.stringify(name.slice(0, 100))} is nested too deeply`);
    if (path.some((k) => FORBIDDEN_KEYS.has(k))) throw badRequest(`invalid form field name ${JSON.stringify(name.slice(0, 100))}`);
    const arrayAt = path.indexOf('');
    if (arrayAt >= 0 && arrayAt !== path.length - 1) throw badRequest(`unsupported form field name ${JSON.stringify(name.slice(0, 100))} ([] only at the end)`);
    let node = root;
    for (const key of path.slice(0, -1).slice(0, arrayAt >= 0 ? -1 : undefined)) {
      const next = node[key] ?? {};
      if (typeof next !== 'object' || Array.isArray(next)) throw badRequest(`form field ${key} is both an object and a value`);
      node[key] = next;
      node = next as Node;
    }
    if (arrayAt >= 0) {
      // name[...][list][]=value: append to the list.
      const key = path[path.length - 2];
      const list = node[key] ?? [];
      if (!Array.isArray(list)) throw badRequest(`form field ${key} is both a list and a value`);
      list.push(value);
      node[key] = list;
      continue;
    }
    const leaf = path[path.length - 1];
    if (node[leaf] !== undefined && typeof node[leaf] === 'object') throw badRequest(`form field ${leaf} is both an object and a value`);
    node[leaf] = value;
  }
  return root;
}

const isUrlEncoded = (type: string | undefined) => !!type && /^application\/x-www-form-urlencoded\s*(;|$)/i.test(type);
const isMultipart = (type: string | undefined) => !!type && /^multipart\/form-data\s*(;|$)/i.test(type);

async function readFields(request: FastifyRequest, body: Readable): Promise<[string, string][]> {
  const type = request.headers['content-type'];
  const length = Number(request.headers['content-length']);
  const expected = Number.isFinite(length) ? length : undefined;
  if (isUrlEncoded(type)) {
    const raw = await readBounded(body, MAX_FORM_BYTES, { expected, keepOpen: true });
    return [...new URLSearchParams(raw.toString('utf8'))];
  }
  const boundary = boundaryOf(type);
  if (!boundary) throw badRequest('multipart/form-data without a boundary');
  if (expected !== undefined && expected > MAX_FORM_BYTES) throw new AppError('payload_too_large', `form body larger than ${MAX_FORM_BYTES} bytes`);
  const fields: [string, string][] = [];
  let size = 0;
  async function* bounded(): AsyncGenerator<Buffer> {
    for await (const chunk of body.iterator({ destroyOnReturn: false })) {
      size += (chunk as Buffer).length;
      if (size > MAX_FORM_BYTES) throw new AppError('payload_too_large', `form body larger than ${MAX_FORM_BYTES} bytes`);
      yield chunk as Buffer;
    }
  }
  await readMultipart(bounded(), boundary, {
    onField: (name, value) => {
      fields.push([name, value]);
    },
    // A file part is not a field GitLab reads on these routes: skip its bytes.
    onFile: async (part) => {
      for await (const chunk of part.stream) void chunk;
    },
  }, { maxFieldBytes: MAX_FORM_BYTES });
  return fields;
}

/** preValidation hook: a form body becomes the same object a JSON body would be. */
export async function formBodyHook(request: FastifyRequest): Promise<void> {
  const body = request.body as Readable | undefined;
  if (!body || typeof body.pipe !== 'function') return;
  const type = request.headers['content-type'];
  if (!isUrlEncoded(type) && !isMultipart(type)) return;
  try {
    request.body = nestFormFields(await readFields(request, body));
  } catch (error) {
    if (!body.readableEnded) body.resume();
    throw error;
  }
}
