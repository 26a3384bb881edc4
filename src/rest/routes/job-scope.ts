// `scope` / `scope[]` of GitLab's job lists: one status or several (a string or an array).
import { Type } from '@sinclair/typebox';
import { badRequest } from '../../util/errors.js';

export const JOB_STATUSES = ['created', 'pending', 'running', 'failed', 'success', 'canceled', 'canceling', 'skipped', 'waiting_for_resource', 'manual', 'scheduled', 'preparing'] as const;

export const JobScopeQuery = {
  scope: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Array(Type.String({ maxLength: 64 }), { maxItems: 20 })])),
};

export function statusesOfScope(scope: string | string[] | undefined): string[] | undefined {
  if (scope === undefined) return undefined;
  const list = Array.isArray(scope) ? scope : [scope];
  for (const s of list) if (!(JOB_STATUSES as readonly string[]).includes(s)) throw badRequest('scope does not have a valid value');
  return list.length ? list : undefined;
}
