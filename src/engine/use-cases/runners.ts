// Runner lifecycle and tokens. Tokens are random and stored hashed; lookups are by hash.
// authenticateRunner is served from an in-memory cache (positive and negative answers, TTL
// bounded so other nodes' changes are seen), invalidated here on update/delete/reset.
import { AppError, forbidden, notFound } from '../../util/errors.js';
import { MAX_ROW_ID } from '../../util/input.js';
import { hashToken, randomToken, TOKEN_PREFIX } from '../../util/tokens.js';
import type { EngineContext } from '../context.js';
import type { CreateRunnerInput, IssuedRunnerToken, RegisterRunnerInput, RunnerInfoInput } from '../coordinator.js';
import type { Runner, RunnerManager } from '../model.js';
import { ownerForApiToken } from './users.js';

const REGISTRATION_KEY = 'registration_token_hash';
const CACHE_TTL_MS = 30_000;
const CACHE_MAX = 50_000;

export class RunnerCache {
  private readonly byHash = new Map<string, { runner: Runner | null; at: number }>();
  private readonly contactAt = new Map<string, number>();
  get(hash: string): Runner | null | undefined {
    const hit = this.byHash.get(hash);
    if (!hit) return undefined;
    if (Date.now() - hit.at > CACHE_TTL_MS) {
      this.byHash.delete(hash);
      return undefined;
    }
    return hit.runner;
  }
  set(hash: string, runner: Runner | null): void {
    if (this.byHash.size >= CACHE_MAX) this.byHash.clear();
    this.byHash.set(hash, { runner, at: Date.now() });
  }
  invalidate(runnerId?: number): void {
    for (const [k, v] of this.byHash) if (runnerId === undefined || v.runner?.id === runnerId || v.runner === null) this.byHash.delete(k);
  }
  /** True when a contact of (runner, system) should be written now. */
  contactDue(key: string, everyMs: number): boolean {
    const last = this.contactAt.get(key) ?? 0;
    if (Date.now() - last < everyMs) return false;
    if (this.contactAt.size >= CACHE_MAX) this.contactAt.clear();
    this.contactAt.set(key, Date.now());
    return true;
  }
}

/** Largest value the store's integer column holds. */
const MAX_TIMEOUT = MAX_ROW_ID; // an int32 column, as row ids

/**
 * The one check of a runner's maximum_timeout, for every route that sets it (runner registration,
 * UI create and update): unset (null) or at least 600 seconds, as GitLab validates the runner.
 */
export function checkMaximumTimeout(value: number | null | undefined): void {
  if (value === undefined || value === null) return;
  if (!Number.isSafeInteger(value)) throw new AppError('bad_request', 'Maximum timeout must be an integer number of seconds');
  if (value < 600) throw new AppError('bad_request', 'Maximum timeout needs to be at least 10 minutes');
  if (value > MAX_TIMEOUT) throw new AppError('bad_request', `Maximum timeout must be at most ${MAX_TIMEOUT} seconds`);
}

/**
 * Runners created by an admin get `glrt-` tokens; runners registered with a registration token get
 * `glrtr-` ones, as GitLab does: gitlab-runner (and our SDK) picks by that prefix whether
 * `unregister` deletes the runner (DELETE /runners) or only its manager (DELETE /runners/managers).
 */
const tokenPrefixOf = (kind: Runner['tokenKind']) => (kind === 'glrt' ? TOKEN_PREFIX.runner : TOKEN_PREFIX.registeredRunner);

async function issue(ctx: EngineContext, input: CreateRunnerInput, kind: Runner['tokenKind']): Promise<IssuedRunnerToken> {
  checkMaximumTimeout(input.maximumTimeout);
  const token = randomToken(tokenPrefixOf(kind));
  const runner = await ctx.store.runners.insert({
    tokenHash: hashToken(token),
    tokenKind: kind,
    description: input.description ?? '',
    tags: [...new Set((input.tags ?? []).map((t) => t.trim()).filter(Boolean))],
    runUntagged: input.runUntagged ?? !(input.tags && input.tags.length),
    locked: input.locked ?? false,
    paused: input.paused ?? false,
    accessLevel: input.accessLevel ?? 'not_protected',
    maximumTimeout: input.maximumTimeout ?? null,
    projectId: input.projectId ?? null,
    createdAt: ctx.now(),
    contactedAt: null,
    tokenExpiresAt: null,
  });
  return { runner, token, tokenExpiresAt: null };
}

export async function registerRunner(ctx: EngineContext, cache: RunnerCache, input: RegisterRunnerInput): Promise<IssuedRunnerToken> {
  const stored = await ctx.store.tokens.getSetting(REGISTRATION_KEY);
  if (!stored || stored !== hashToken(input.registrationToken)) throw forbidden('Invalid registration token');
  const issued = await issue(ctx, input, 'legacy');
  if (input.info) await recordContact(ctx, cache, issued.runner, input.info);
  return issued;
}

export const createRunner = (ctx: EngineContext, input: CreateRunnerInput) => issue(ctx, input, 'glrt');

export async function authenticateRunner(ctx: EngineContext, cache: RunnerCache, token: string): Promise<Runner | null> {
  if (!token) return null;
  const hash = hashToken(token);
  const hit = cache.get(hash);
  if (hit !== undefined) return hit;
  const runner = await ctx.store.runners.byTokenHash(hash);
  cache.set(hash, runner);
  return runner;
}

/**
 * The system_id GitLab files a runner's details under when the runner sends none (gitlab-runner
 * before 15.7): one "<legacy>" manager per runner (API::Ci::Helpers::Runner::LEGACY_SYSTEM_XID).
 */
export const LEGACY_SYSTEM_ID = '<legacy>';

/** The runner manager a request's info belongs to, or null when it sent no info at all. */
export const systemIdOf = (info: RunnerInfoInput | undefined): string | null => (info ? info.systemId || LEGACY_SYSTEM_ID : null);

export async function recordContact(ctx: EngineContext, cache: RunnerCache, runner: Runner, info: RunnerInfoInput | undefined): Promise<void> {
  const systemId = systemIdOf(info);
  if (!cache.contactDue(`${runner.id}/${systemId ?? ''}`, ctx.config.contactWriteSeconds * 1000)) return;
  const now = ctx.now();
  await ctx.store.runners.update(runner.id, { contactedAt: now });
  if (info && systemId) {
    const features: Record<string, boolean> = {};
    for (const [k, v] of Object.entries(info.features ?? {})) if (v !== undefined) features[k] = v;
    const m: RunnerManager = {
      runnerId: runner.id,
      systemId,
      name: info.name ?? '',
      version: info.version ?? '',
      revision: info.revision ?? '',
      platform: info.platform ?? '',
      architecture: info.architecture ?? '',
      executor: info.executor ?? '',
      shell: info.shell ?? '',
      features,
      contactedAt: now,
    };
    await ctx.store.runners.upsertManager(m);
  }
}

export async function resetRunnerToken(ctx: EngineContext, cache: RunnerCache, runner: Runner): Promise<IssuedRunnerToken> {
  const token = randomToken(tokenPrefixOf(runner.tokenKind));
  const updated = await ctx.store.runners.update(runner.id, { tokenHash: hashToken(token) });
  cache.invalidate(runner.id);
  if (!updated) throw notFound('Runner not found');
  return { runner: updated, token, tokenExpiresAt: updated.tokenExpiresAt };
}

export async function updateRunner(ctx: EngineContext, cache: RunnerCache, id: number, patch: Partial<Runner>): Promise<Runner> {
  checkMaximumTimeout(patch.maximumTimeout);
  const clean: Partial<Runner> = {};
  for (const k of ['paused', 'description', 'tags', 'runUntagged', 'locked', 'maximumTimeout', 'accessLevel'] as const) {
    if (patch[k] !== undefined) (clean as Record<string, unknown>)[k] = patch[k];
  }
  const updated = await ctx.store.runners.update(id, clean);
  cache.invalidate(id);
  // its parked long polls re-read it now (paused: 204, re-tagged: claim with the new tags)
  ctx.queue.releaseRunner(id);
  if (!updated) throw notFound(`Runner ${id} not found`);
  return updated;
}

export async function deleteRunner(ctx: EngineContext, cache: RunnerCache, id: number): Promise<void> {
  await ctx.store.runners.delete(id);
  cache.invalidate(id);
  ctx.queue.releaseRunner(id);
}

export async function resetRegistrationToken(ctx: EngineContext, value?: string): Promise<string> {
  if (value !== undefined && (value.length < 16 || /\s/.test(value))) {
    throw new AppError('bad_request', 'a chosen registration token needs at least 16 characters and no whitespace');
  }
  const token = value ?? randomToken(TOKEN_PREFIX.registration);
  await ctx.store.tokens.setSetting(REGISTRATION_KEY, hashToken(token));
  return token;
}

export async function hasRegistrationToken(ctx: EngineContext): Promise<boolean> {
  return (await ctx.store.tokens.getSetting(REGISTRATION_KEY)) !== null;
}

export async function createApiToken(ctx: EngineContext, name: string, scope: 'admin' | 'user') {
  if (scope !== 'admin' && scope !== 'user') throw new AppError('bad_request', `Unknown token scope ${String(scope)}`);
  const token = randomToken(scope === 'admin' ? TOKEN_PREFIX.admin : TOKEN_PREFIX.user);
  const owner = await ownerForApiToken(ctx, name, scope);
  const apiToken = await ctx.store.tokens.insertApiToken({ name, scope, tokenHash: hashToken(token), createdAt: ctx.now(), userId: owner.id, scopes: ['api'] });
  return { token, apiToken };
}
