// What every route module of the API gets: the engine facade, the stores, the access checks, and
// the typed Fastify instance it adds routes to (ApiApp: the TypeBox schemas of schemas/ give the
// validation, the TypeScript types of `request.*` and the OpenAPI document at once).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { BlobStore } from '../artifacts/blob-store.js';
import type { Coordinator } from '../engine/coordinator.js';
import type { Project } from '../engine/model.js';
import type { TraceStore } from '../engine/trace-store.js';
import { badRequest, notFound } from '../util/errors.js';
import { MAX_ROW_ID } from '../util/input.js';
import { requireAccess, type Access, type AuthOptions, type Caller } from './auth.js';
import type { SseHub } from './sse.js';

export type ApiApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface ApiContext {
  coordinator: Coordinator;
  traces: TraceStore;
  blobs: BlobStore;
  auth: AuthOptions;
  hub: SseHub;
  require(request: FastifyRequest, access: Access): Promise<Caller>;
  /**
   * The access check as a route's `preValidation` hook, for routes with a body: a caller without
   * the right token gets its 401/403 before any 400 about the body.
   */
  guard(access: Access): (request: FastifyRequest) => Promise<void>;
}

export function makeContext(base: Omit<ApiContext, 'require' | 'guard'>): ApiContext {
  const require = (request: FastifyRequest, access: Access) => requireAccess(request, base.coordinator, base.auth, access);
  return {
    ...base,
    require,
    guard: (access) => async (request) => {
      await require(request, access);
    },
  };
}

/** A project by numeric id or by (URL-decoded) full path (the schemas checked it is a string). */
export async function findProject(ctx: ApiContext, ref: string | number): Promise<Project> {
  const key = String(ref);
  if (/^\d+$/.test(key)) {
    const id = Number(key);
    if (id < 1 || id > MAX_ROW_ID) throw badRequest(`project must be a positive integer (at most ${MAX_ROW_ID}) or a path`);
    const project = await ctx.coordinator.read.project(id);
    if (!project) throw notFound(`project ${key} not found`);
    return project;
  }
  const project = await ctx.coordinator.read.projectByPath(key);
  if (!project) throw notFound(`project ${key} not found`);
  return project;
}
