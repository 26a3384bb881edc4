// What every REST route module gets (RestContext) and the typed Fastify instance it adds routes to
// (RestApp: TypeBox schemas give validation, TypeScript types and the OpenAPI document at once).
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { BlobStore } from '../artifacts/blob-store.js';
import type { Coordinator } from '../engine/coordinator.js';
import type { RepositoryReader } from '../engine/repository.js';
import type { TraceStore } from '../engine/trace-store.js';

export type RestApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface RestContext {
  coordinator: Coordinator;
  blobs: BlobStore;
  traces: TraceStore;
  /** Git reads (commits, branches, tags, files) of a project's repository; server/ wires git/. */
  repository: RepositoryReader;
  /** The server's base URL, e.g. http://127.0.0.1:8080 (known once listening). */
  externalUrl(): string;
  /** GitLab version this API answers as (GET /version). */
  gitlabVersion: string;
  /** This server's own version. */
  serverVersion: string;
  /**
   * Dependencies a route module needs beyond these (e.g. pipeline creation from a commit): server/
   * passes them by name; a module reads its own with `extra<T>(ctx, name)`.
   */
  extras: Record<string, unknown>;
}

/** One route module: adds its routes to `app`. Listed once in routes/index.ts. */
export type RestRoutes = (app: RestApp, ctx: RestContext) => void;

/** A dependency server/ passed in `extras`; a 500-free failure at start when it is missing. */
export function extra<T>(ctx: RestContext, name: string): T {
  if (!(name in ctx.extras)) throw new Error(`rest: server/ did not pass the "${name}" dependency`);
  return ctx.extras[name] as T;
}
