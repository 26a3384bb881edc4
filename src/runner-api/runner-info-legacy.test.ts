// gitlab-runner before 15.7 (13.12, 14.7, 15.4) sends no system_id: its version, executor, platform
// are filed under GitLab's "<legacy>" runner manager, so the runners list shows them. The body is
// exactly what runner 15.4 sends on jobs/request (no system_id, no RUNNER-TOKEN header). Real HTTP.
import { afterEach, describe, expect, it } from 'vitest';
import { createApiHarness, type ApiHarness } from '../api/test-support/api-harness.js';
import type { RunnerView } from '../api/views.js';
import { postJson } from './test-support/runner-client.js';

let h: ApiHarness;
afterEach(async () => h?.close());

const runner154Body = (token: string) => ({
  info: {
    name: 'gitlab-runner',
    version: '15.4.0',
    revision: '43b2dc3d',
    platform: 'linux',
    architecture: 'amd64',
    executor: 'docker',
    shell: 'bash',
    features: {
      variables: true, image: true, services: true, artifacts: true, cache: true, shared: true, upload_multiple_artifacts: true,
      upload_raw_artifacts: true, session: true, terminal: true, refspecs: true, masking: true, proxy: false, raw_variables: true,
      artifacts_exclude: true, multi_build_steps: true, trace_reset: true, trace_checksum: true, trace_size: true,
      vault_secrets: true, cancelable: true, return_exit_code: true, service_variables: true,
    },
    config: { gpus: '' },
  },
  token,
});

describe('runner info without system_id', () => {
  it('runner 15.4 polling jobs/request: the runners list shows its version and executor', async () => {
    h = await createApiHarness({ runnerApi: true });
    const { token, runner } = await h.coordinator.createRunner({ runUntagged: true });
    const res = await postJson(`${h.url}/api/v4/jobs/request`, runner154Body(token), { 'user-agent': 'gitlab-runner 15.4.0 (15-4-stable; go1.17.13; linux/amd64)' });
    expect(res.status).toBe(204);
    const list = (await (await h.fetch('/api/ui/runners', { token: h.adminToken })).json()) as RunnerView[];
    const view = list.find((r) => r.id === runner.id)!;
    expect(view.status).toBe('online');
    expect(view.managers).toHaveLength(1);
    expect(view.managers[0]).toMatchObject({
      systemId: '<legacy>', version: '15.4.0', revision: '43b2dc3d', platform: 'linux', architecture: 'amd64', executor: 'docker', shell: 'bash',
    });
    console.log(`[semantics] runner 15.4 without system_id: listed as ${view.managers[0]!.version} / ${view.managers[0]!.executor}`);
  });
});
