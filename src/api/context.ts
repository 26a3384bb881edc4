// What every route module of the API gets: the engine facade, the stores, the access checks and
// small parsers for ids and query values that turn bad input into 400s.
import type { FastifyRequest } from 'fastify';
import type { BlobStore } from '../artifacts/blob-store.js';
import type { Coordinator } from '../engine/coordinator.js';
import type { Project } from '../engine/model.js';
import type { TraceStore } from '../engine/trace-store.js';
import { badRequest, notFound } from '../util/errors.js';
import { MAX_ROW_ID, rejectNul } from '../util/input.js';
import { requireAccess, type Access, type AuthOptions, type Caller } from './auth.js';
import type { SseHub } from './sse.js';

export interface ApiContext {
  coordinator: Coordinator;
  traces: TraceStore;
  blobs: BlobStore;
  auth: AuthOptions;
  hub: SseHub;
  require(request: FastifyRequest, access: Access): Promise<Caller>;
}

export function makeContext(base: Omit<ApiContext, 'require'>): ApiContext {
  return {
    ...base,
    require: (request, access) => requireAccess(request, base.coordinator, base.auth, access),
  };
}

/** A positive integer id from a route parameter or query value. */
export function parseId(value: unknown, name = 'id'): number {
  const s = typeof value === 'number' ? String(value) : value;
  if (typeof s !== 'string' || !/^\d{1,15}$/.test(s) || Number(s) <= 0 || Number(s) > MAX_ROW_ID) throw badRequest(`${name} must be a positive integer (at most ${MAX_ROW_ID})`);
  return Number(s);
}

export function optionalId(value: unknown, name: string): number | undefined {
  return value === undefined || value === '' ? undefined : parseId(value, name);
}

export function optionalString(value: unknown, name: string, max = 1024): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || value.length > max) throw badRequest(`${name} must be a string of at most ${max} characters`);
  rejectNul(value, name);
  return value;
}

export function limitParam(value: unknown, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = parseId(value, 'limit');
  return Math.min(n, max);
}

/** A project by numeric id or by (URL-decoded) full path. */
export async function findProject(ctx: ApiContext, ref: unknown): Promise<Project> {
  if (typeof ref !== 'string' || ref === '') throw badRequest('project is required');
  rejectNul(ref, 'project');
  const project = /^\d+$/.test(ref) ? await ctx.coordinator.read.project(parseId(ref, 'project')) : await ctx.coordinator.read.projectByPath(ref);
  if (!project) throw notFound(`project ${ref} not found`);
  return project;
}

export function body(request: FastifyRequest): Record<string, unknown> {
  const b = request.body;
  if (b === undefined || b === null || b === '') return {};
  if (typeof b !== 'object' || Array.isArray(b)) throw badRequest('the body must be a JSON object');
  rejectNul(b, 'the body');
  return b as Record<string, unknown>;
}

export function optionalBool(value: unknown, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw badRequest(`${name} must be true or false`);
  return value;
}
