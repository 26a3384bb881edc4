// Schemas shared by route modules: pagination query, `:id` of a project (numeric or URL-encoded
// path), GitLab booleans. Fastify's Ajv coerces query/form strings ("true", "20") to these types.
import { Type, type Static, type TProperties } from '@sinclair/typebox';

export const PaginationQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  pagination: Type.Optional(Type.Union([Type.Literal('keyset'), Type.Literal('offset')])),
  order_by: Type.Optional(Type.String({ maxLength: 64 })),
  sort: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  id_after: Type.Optional(Type.Integer({ minimum: 0 })),
  id_before: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type PaginationQuery = Static<typeof PaginationQuery>;

/** A querystring schema: the route's own fields plus pagination. */
export function paginated<T extends TProperties>(properties: T) {
  return Type.Composite([PaginationQuery, Type.Object(properties)]);
}

/** `:id` of /projects/:id/…: a numeric id or a URL-encoded full path (team%2Fapp). */
export const ProjectIdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 1024 }) });

/** A positive integer id in a route parameter. */
export const RowId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

/** Credentials a client may send as query parameters (kept out of additionalProperties failures). */
export const AuthQuery = {
  private_token: Type.Optional(Type.String()),
  access_token: Type.Optional(Type.String()),
  job_token: Type.Optional(Type.String()),
};

/** `{"message": …}` / `{"error": …}` bodies, for the OpenAPI document. */
export const ErrorBody = Type.Object({ message: Type.Optional(Type.Unknown()), error: Type.Optional(Type.String()) });
