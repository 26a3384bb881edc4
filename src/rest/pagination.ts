// GitLab pagination, both kinds:
//   offset (default): ?page=&per_page= (default 20, at most 100) → X-Total, X-Total-Pages, X-Page,
//     X-Per-Page, X-Next-Page, X-Prev-Page and a Link header (first, prev, next, last);
//   keyset: ?pagination=keyset&order_by=id&sort=asc|desc&per_page= → no totals, a Link rel="next"
//     carrying id_after / id_before, until the last page.
// Routes declare PaginationQuery (schemas/common.ts) in their querystring and call `paginate`
// (a list already in memory) or `paginateWith` (a count and a page reader over the store).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { badRequest } from '../util/errors.js';

export const DEFAULT_PER_PAGE = 20;
export const MAX_PER_PAGE = 100;

export interface PageQuery {
  page?: number;
  per_page?: number;
  pagination?: string;
  order_by?: string;
  sort?: string;
  id_after?: number;
  id_before?: number;
}

function pageParams(q: PageQuery): { page: number; perPage: number } {
  const perPage = q.per_page === undefined || q.per_page < 1 ? DEFAULT_PER_PAGE : Math.min(Math.floor(q.per_page), MAX_PER_PAGE);
  const page = q.page === undefined || q.page < 1 ? 1 : Math.floor(q.page);
  return { page, perPage };
}

/** The request's URL with some query parameters replaced (for Link headers). */
function linkTo(request: FastifyRequest, baseUrl: string, set: Record<string, string | number | undefined>): string {
  const url = new URL(request.url, baseUrl || `http://${request.headers.host ?? 'localhost'}`);
  for (const [k, v] of Object.entries(set)) {
    if (v === undefined) url.searchParams.delete(k);
    else url.searchParams.set(k, String(v));
  }
  return url.toString();
}

export interface OffsetPage<T> {
  total: number;
  items: T[];
}

/** Sets the offset pagination headers for `total` items. */
export function setOffsetHeaders(request: FastifyRequest, reply: FastifyReply, total: number, baseUrl = ''): void {
  const { page, perPage } = pageParams((request.query ?? {}) as PageQuery);
  const totalPages = Math.max(1, Math.ceil(total / perPage));
  const link = (p: number) => linkTo(request, baseUrl, { page: p, per_page: perPage });
  const links = [];
  if (page > 1) links.push(`<${link(Math.min(page - 1, totalPages))}>; rel="prev"`);
  if (page < totalPages) links.push(`<${link(page + 1)}>; rel="next"`);
  links.push(`<${link(1)}>; rel="first"`, `<${link(totalPages)}>; rel="last"`);
  reply.headers({
    'x-total': String(total),
    'x-total-pages': String(totalPages),
    'x-page': String(page),
    'x-per-page': String(perPage),
    'x-next-page': page < totalPages ? String(page + 1) : '',
    'x-prev-page': page > 1 ? String(Math.min(page - 1, totalPages)) : '',
    link: links.join(', '),
  });
}

/** Offset pagination over a page reader (count + one page from the store): sets the headers, returns the items. */
export async function paginateWith<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  read: (offset: number, limit: number) => Promise<OffsetPage<T>>,
  options: { baseUrl?: string } = {},
): Promise<T[]> {
  const { page, perPage } = pageParams((request.query ?? {}) as PageQuery);
  const { total, items } = await read((page - 1) * perPage, perPage);
  setOffsetHeaders(request, reply, total, options.baseUrl);
  return items;
}

/** Offset or keyset pagination of a list already in memory (ordered as GitLab would order it). */
export function paginate<T>(request: FastifyRequest, reply: FastifyReply, all: readonly T[], options: { baseUrl?: string; idOf?: (item: T) => number } = {}): T[] {
  const q = (request.query ?? {}) as PageQuery;
  if (q.pagination === 'keyset') {
    if (!options.idOf) throw badRequest('pagination does not have a valid value: keyset is not supported here');
    return keysetPage(request, reply, all, options.idOf, options.baseUrl ?? '');
  }
  const { page, perPage } = pageParams(q);
  setOffsetHeaders(request, reply, all.length, options.baseUrl);
  return all.slice((page - 1) * perPage, page * perPage);
}

/** Keyset pagination by id (GitLab: order_by=id, sort asc|desc, id_after/id_before cursors). */
export function keysetPage<T>(request: FastifyRequest, reply: FastifyReply, all: readonly T[], idOf: (item: T) => number, baseUrl: string): T[] {
  const q = (request.query ?? {}) as PageQuery;
  if (q.order_by !== undefined && q.order_by !== 'id') throw badRequest('order_by does not have a valid value: keyset pagination orders by id');
  const desc = (q.sort ?? 'asc') === 'desc';
  const { perPage } = pageParams(q);
  const sorted = [...all].sort((a, b) => (desc ? idOf(b) - idOf(a) : idOf(a) - idOf(b)));
  const cursor = desc ? q.id_before : q.id_after;
  const rest = cursor === undefined ? sorted : sorted.filter((item) => (desc ? idOf(item) < cursor : idOf(item) > cursor));
  const items = rest.slice(0, perPage);
  reply.header('x-per-page', String(perPage));
  if (rest.length > perPage) {
    const last = idOf(items[items.length - 1]);
    const next = linkTo(request, baseUrl, { pagination: 'keyset', per_page: perPage, order_by: 'id', sort: desc ? 'desc' : 'asc', [desc ? 'id_before' : 'id_after']: last, [desc ? 'id_after' : 'id_before']: undefined, page: undefined });
    reply.header('link', `<${next}>; rel="next"`);
  }
  return items;
}
