// Reading what runners send: tokens (body first, then headers, as GitLab does), ids, the runner
// `info` object, and small typed field readers that answer 400 on a wrong JSON type.
import type { FastifyRequest } from 'fastify';
import type { RunnerInfoInput } from '../engine/coordinator.js';
import { badRequest } from '../util/errors.js';
import { MAX_ROW_ID, rejectNul } from '../util/input.js';

export type Body = Record<string, unknown>;

export function bodyOf(request: FastifyRequest): Body {
  const body = request.body;
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body) || typeof (body as { pipe?: unknown }).pipe === 'function') {
    throw badRequest('expected a JSON object body');
  }
  rejectNul(body, 'the body');
  return body as Body;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first && first.length > 0 ? first : undefined;
}

function queryToken(request: FastifyRequest): string | undefined {
  const q = request.query as Record<string, unknown> | undefined;
  return typeof q?.token === 'string' && q.token ? q.token : undefined;
}

/** Runner token: body `token`, then the RUNNER-TOKEN header. */
export function runnerTokenOf(request: FastifyRequest, body: Body): string | undefined {
  if (typeof body.token === 'string' && body.token) return body.token;
  return header(request, 'runner-token');
}

/** Job token: body `token`, then JOB-TOKEN, then `?token=`. */
export function jobTokenOf(request: FastifyRequest, body: Body = {}): string | undefined {
  if (typeof body.token === 'string' && body.token) return body.token;
  return header(request, 'job-token') ?? queryToken(request);
}

export function jobIdOf(request: FastifyRequest): number {
  const raw = (request.params as Record<string, string>).id;
  if (!/^\d{1,15}$/.test(raw ?? '') || Number(raw) < 1 || Number(raw) > MAX_ROW_ID) throw badRequest('id is invalid');
  return Number(raw);
}

export function optionalString(body: Body, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`${key} must be a string`);
  return v;
}

// The strings Grape's Boolean coercion takes (form bodies carry only strings).
const TRUE_STRINGS = new Set(['true', 't', '1', 'yes', 'y', 'on']);
const FALSE_STRINGS = new Set(['false', 'f', '0', 'no', 'n', 'off']);

/** A boolean from JSON true/false or a form string ("true"/"false", "1"/"0", "yes"/"no"…). */
export function booleanOf(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string') return undefined;
  const s = v.toLowerCase();
  return TRUE_STRINGS.has(s) ? true : FALSE_STRINGS.has(s) ? false : undefined;
}

export function optionalBoolean(body: Body, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  const b = booleanOf(v);
  if (b === undefined) throw badRequest(`${key} must be a boolean`);
  return b;
}

export function optionalInteger(body: Body, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw badRequest(`${key} must be an integer`);
  return n;
}

const INFO_STRINGS = ['name', 'version', 'revision', 'platform', 'architecture', 'executor', 'shell'] as const;

/** The runner's `info` object and `system_id`, keeping only well-typed fields. */
export function runnerInfoOf(body: Body): RunnerInfoInput | undefined {
  const info = body.info;
  const systemId = typeof body.system_id === 'string' && body.system_id ? body.system_id.slice(0, 64) : undefined;
  if ((info === undefined || info === null) && !systemId) return undefined;
  const out: RunnerInfoInput = {};
  if (systemId) out.systemId = systemId;
  if (info && typeof info === 'object' && !Array.isArray(info)) {
    const i = info as Record<string, unknown>;
    for (const key of INFO_STRINGS) if (typeof i[key] === 'string') out[key] = (i[key] as string).slice(0, 255);
    if (i.features && typeof i.features === 'object' && !Array.isArray(i.features)) {
      const features: Record<string, boolean> = {};
      for (const [k, v] of Object.entries(i.features as Record<string, unknown>)) {
        const b = booleanOf(v);
        if (b !== undefined) features[k] = b;
      }
      out.features = features;
    }
  } else if (info !== undefined && info !== null) {
    throw badRequest('info must be an object');
  }
  return out;
}
