// Offset pagination over a store query whose count is capped, as GitLab does for large lists:
// past 10,000 matches X-Total and X-Total-Pages (and the "last" link) are left out; X-Next-Page
// then says whether a next page exists (one extra row is read to know).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { paginateWith } from './pagination.js';

export const COUNT_CAP = 10_000;

export async function paginateCapped<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  opts: { baseUrl: string; count: (cap: number) => Promise<number>; page: (offset: number, limit: number) => Promise<T[]> },
): Promise<T[]> {
  let over = false;
  let more = false;
  const items = await paginateWith(
    request,
    reply,
    async (offset, limit) => {
      const [total, rows] = await Promise.all([opts.count(COUNT_CAP + 1), opts.page(offset, limit + 1)]);
      over = total > COUNT_CAP;
      more = rows.length > limit;
      return { total: over ? offset + rows.length : total, items: rows.slice(0, limit) };
    },
    { baseUrl: opts.baseUrl },
  );
  if (over) {
    reply.removeHeader('x-total');
    reply.removeHeader('x-total-pages');
    const page = Number(reply.getHeader('x-page') ?? 1);
    reply.header('x-next-page', more ? String(page + 1) : '');
    const link = String(reply.getHeader('link') ?? '')
      .split(', ')
      .filter((l) => !l.endsWith('rel="last"') && !l.endsWith('rel="next"'));
    if (more) {
      const url = new URL(request.url, opts.baseUrl || 'http://localhost');
      url.searchParams.set('page', String(page + 1));
      link.unshift(`<${url.toString()}>; rel="next"`);
    }
    reply.header('link', link.join(', '));
  }
  return items;
}
