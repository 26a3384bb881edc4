// Runner lifecycle (reference §1): legacy registration, verify, unregister (runner and runner
// manager), token reset (runner token in the body, or an admin API token in PRIVATE-TOKEN), and
// the job-router discovery the runner may probe (501: not offered, it falls back to jobs/request).
// Bodies are JSON or, as GitLab takes them too, form fields (form-body.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Runner, RunnerAccessLevel } from '../engine/model.js';
import { badRequest, forbidden, notFound } from '../util/errors.js';
import { MAX_ROW_ID } from '../util/input.js';
import { formBodyHook } from './form-body.js';
import type { ResolvedRunnerApiOptions } from './options.js';
import type { RegisterRunnerResponse, ResetTokenResponse } from './protocol.js';
import {
  bodyOf,
  optionalBoolean,
  optionalInteger,
  optionalString,
  runnerInfoOf,
  runnerTokenOf,
  type Body,
} from './request-input.js';

function tagsOf(body: Body): string[] | undefined {
  const raw = body.tag_list;
  if (raw === undefined || raw === null) return undefined;
  const list = typeof raw === 'string' ? raw.split(',') : Array.isArray(raw) && raw.every((t) => typeof t === 'string') ? (raw as string[]) : null;
  if (!list) throw badRequest('tag_list must be a comma-separated string');
  return [...new Set(list.map((t) => t.trim()).filter((t) => t.length > 0))];
}

function accessLevelOf(body: Body): RunnerAccessLevel | undefined {
  const v = optionalString(body, 'access_level');
  if (v === undefined || v === '') return undefined;
  if (v !== 'not_protected' && v !== 'ref_protected') throw badRequest('access_level does not have a valid value');
  return v;
}

/** JSON, urlencoded or multipart bodies (`curl --form token=… --form run_untagged=false`). */
const form = { preValidation: formBodyHook };

export function registerRunnerRoutes(app: FastifyInstance, options: ResolvedRunnerApiOptions): void {
  const { coordinator } = options;

  async function runnerOf(request: FastifyRequest, body: Body): Promise<Runner> {
    const token = runnerTokenOf(request, body);
    if (!token) throw badRequest('400 Bad request - token is missing');
    const runner = await coordinator.authenticateRunner(token);
    if (!runner) throw forbidden('403 Forbidden');
    return runner;
  }

  app.post('/runners', form, async (request, reply) => {
    const body = bodyOf(request);
    const registrationToken = optionalString(body, 'token');
    if (!registrationToken) throw badRequest('400 Bad request - token is missing');
    const paused = optionalBoolean(body, 'paused');
    const active = optionalBoolean(body, 'active');
    const issued = await coordinator.registerRunner({
      registrationToken,
      description: optionalString(body, 'description'),
      tags: tagsOf(body),
      runUntagged: optionalBoolean(body, 'run_untagged'),
      locked: optionalBoolean(body, 'locked'),
      paused: paused ?? (active === undefined ? undefined : !active),
      accessLevel: accessLevelOf(body),
      maximumTimeout: optionalInteger(body, 'maximum_timeout') ?? null,
      info: runnerInfoOf(body),
    });
    const response: RegisterRunnerResponse = { id: issued.runner.id, token: issued.token, token_expires_at: issued.tokenExpiresAt };
    return reply.code(201).type('application/json').send(response);
  });

  app.post('/runners/verify', form, async (request, reply) => {
    const body = bodyOf(request);
    const runner = await runnerOf(request, body);
    const token = runnerTokenOf(request, body)!;
    await coordinator.recordRunnerContact(runner, runnerInfoOf(body));
    const response: RegisterRunnerResponse = { id: runner.id, token, token_expires_at: runner.tokenExpiresAt };
    return reply.code(200).type('application/json').send(response);
  });

  app.delete('/runners', form, async (request, reply) => {
    const runner = await runnerOf(request, bodyOf(request));
    await coordinator.unregisterRunner(runner);
    return reply.code(204).send();
  });

  app.delete('/runners/managers', form, async (request, reply) => {
    const body = bodyOf(request);
    const runner = await runnerOf(request, body);
    const systemId = optionalString(body, 'system_id');
    if (!systemId) throw badRequest('400 Bad request - system_id is missing');
    if (!(await coordinator.unregisterRunnerManager(runner, systemId))) throw notFound('404 Runner manager Not Found');
    return reply.code(204).send();
  });

  app.post('/runners/reset_authentication_token', form, async (request, reply) => {
    const runner = await runnerOf(request, bodyOf(request));
    const issued = await coordinator.resetRunnerToken(runner);
    const response: ResetTokenResponse = { token: issued.token, token_expires_at: issued.tokenExpiresAt };
    return reply.code(201).type('application/json').send(response);
  });

  app.post('/runners/:id/reset_authentication_token', async (request, reply) => {
    const header = request.headers['private-token'];
    const pat = Array.isArray(header) ? header[0] : header;
    const apiToken = pat ? await coordinator.authenticateApiToken(pat) : null;
    if (!apiToken) throw forbidden('403 Forbidden');
    if (apiToken.scope !== 'admin') throw forbidden('403 Forbidden - admin token required');
    const raw = (request.params as { id: string }).id;
    if (!/^\d{1,15}$/.test(raw) || Number(raw) > MAX_ROW_ID) throw badRequest('id is invalid');
    const entry = (await coordinator.read.runners()).find((r) => r.runner.id === Number(raw));
    if (!entry) throw notFound('404 Runner Not Found');
    const issued = await coordinator.resetRunnerToken(entry.runner);
    const response: ResetTokenResponse = { token: issued.token, token_expires_at: issued.tokenExpiresAt };
    return reply.code(201).type('application/json').send(response);
  });

  app.get('/runners/router/discovery', async (_request, reply) =>
    reply.code(501).type('application/json').send({ message: 'job router is not offered; use POST /jobs/request' }),
  );
}
