// The pull-policy decision table (gitlab-runner's pull manager) and the order policies are tried in.
import { describe, expect, it } from 'vitest';
import { decidePullPolicies, getImage, pullReference, type PullPolicy } from './pull-policy.js';
import type { DockerApi } from './docker-api.js';

describe('decidePullPolicies', () => {
  const table: [string, { pullPolicy?: PullPolicy[]; allowed?: PullPolicy[] }, string[] | undefined, PullPolicy[] | string][] = [
    ['runner default is always', {}, undefined, ['always']],
    ['runner policy when the job has none', { pullPolicy: ['if-not-present'] }, [], ['if-not-present']],
    ['job policy allowed by default only if it is the runner policy', { pullPolicy: ['always'] }, ['never'], 'not one of the allowed_pull_policies ([always])'],
    ['job policy in allowed_pull_policies wins', { pullPolicy: ['always'], allowed: ['always', 'if-not-present'] }, ['if-not-present'], ['if-not-present']],
    ['job list passes when one entry is allowed', { pullPolicy: ['if-not-present'] }, ['never', 'if-not-present'], ['never', 'if-not-present']],
    ['runner list tried in order', { pullPolicy: ['always', 'if-not-present'] }, undefined, ['always', 'if-not-present']],
    ['runner policy outside its own allowed list', { pullPolicy: ['always'], allowed: ['never'] }, undefined, 'defined in Runner config'],
    ['unknown job policy', {}, ['sometimes'], 'unsupported pull_policy "sometimes"'],
  ];
  for (const [what, cfg, job, want] of table) {
    it(what, () => {
      if (typeof want === 'string') expect(() => decidePullPolicies(cfg, job, 'img')).toThrow(want);
      else expect(decidePullPolicies(cfg, job, 'img')).toEqual(want);
    });
  }
});

describe('pullReference', () => {
  it('adds :latest only when there is no tag or digest', () => {
    expect(pullReference('alpine')).toBe('alpine:latest');
    expect(pullReference('registry:5000/a/b')).toBe('registry:5000/a/b:latest');
    expect(pullReference('registry:5000/a/b:1')).toBe('registry:5000/a/b:1');
    expect(pullReference('a@sha256:00')).toBe('a@sha256:00');
  });
});

describe('getImage', () => {
  function api(local: boolean, pullOk: boolean) {
    const calls: string[] = [];
    let present = local;
    const a = {
      inspectImage: async () => (present ? { id: 'sha256:1', exposedPorts: [] } : null),
      pullImage: async (ref: string) => {
        calls.push(`pull ${ref}`);
        if (!pullOk) throw new Error('connection refused');
        present = true;
      },
    } as unknown as DockerApi;
    return { a, calls };
  }
  const run = (a: DockerApi, policies: PullPolicy[], used = new Map<string, string>()) => {
    const log: string[] = [];
    return getImage({ api: a, name: 'img', policies, log: (l) => log.push(l), warn: (l) => log.push(`WARN ${l}`), used }).then(
      (i) => ({ ok: i.id, log }),
      (e: Error & { reason?: string }) => ({ ok: null, error: e.message, reason: e.reason, log }),
    );
  };
  it('always pulls even when the image is local, and fails when the pull fails (no silent local fallback)', async () => {
    const { a, calls } = api(true, false);
    const r = await run(a, ['always']);
    expect(calls).toEqual(['pull img:latest']);
    expect(r).toMatchObject({ ok: null, reason: 'image_pull_failure', error: 'failed to pull image "img" with specified policies [always]: connection refused' });
  });
  it('[always, if-not-present] falls back to the local image after a failed pull', async () => {
    const { a } = api(true, false);
    const r = await run(a, ['always', 'if-not-present']);
    expect(r.ok).toBe('sha256:1');
    expect(r.log).toContain('Attempt #2: Trying "if-not-present" pull policy');
  });
  it('if-not-present uses the local image without pulling, pulls a missing one', async () => {
    const local = api(true, true);
    expect((await run(local.a, ['if-not-present'])).ok).toBe('sha256:1');
    expect(local.calls).toEqual([]);
    const missing = api(false, true);
    expect((await run(missing.a, ['if-not-present'])).ok).toBe('sha256:1');
    expect(missing.calls).toEqual(['pull img:latest']);
  });
  it('never: the local image or an image_pull_failure, never a pull', async () => {
    const { a, calls } = api(false, true);
    expect(await run(a, ['never'])).toMatchObject({ reason: 'image_pull_failure', error: expect.stringContaining('image not found locally') });
    expect(calls).toEqual([]);
  });
  it('an image this runner already used (same ID) is not pulled again under always', async () => {
    const { a, calls } = api(true, true);
    await run(a, ['always'], new Map([['img', 'sha256:1']]));
    expect(calls).toEqual([]);
  });
});
