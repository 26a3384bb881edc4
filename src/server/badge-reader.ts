// Who may read a pipeline badge: anyone when the server allows anonymous reads (badges are
// embedded in READMEs and fetched without credentials), else a valid user token in
// PRIVATE-TOKEN, `Authorization: Bearer` or `private_token`.
import type { FastifyRequest } from 'fastify';
import type { Coordinator } from '../engine/coordinator.js';
import { unauthorized } from '../util/errors.js';

export function badgeReader(coordinator: Coordinator, anonymousRead: boolean): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    if (anonymousRead) return;
    const h = request.headers;
    const bearer = typeof h.authorization === 'string' ? /^Bearer\s+(\S+)$/i.exec(h.authorization)?.[1] : undefined;
    const query = request.query as Record<string, unknown>;
    const token = (typeof h['private-token'] === 'string' ? h['private-token'] : undefined) ?? bearer ?? (typeof query.private_token === 'string' ? query.private_token : undefined);
    if (!token || !(await coordinator.authenticateUser(token))) throw unauthorized();
  };
}
