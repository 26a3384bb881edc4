import { it } from 'vitest';
import { startRunnerApiTestServer } from '../runner-api/test-support/start-test-server.js';
import { startTestRunner } from '../runner/test-support/e2e.js';
it('close', async () => {
  const t = await startRunnerApiTestServer({ longPollMs: 1_000 });
  const r = await startTestRunner(t, { tags: ['x'] });
  await new Promise((res) => setTimeout(res, 1500));
  let s = Date.now();
  await r.close();
  console.log('runner closed', Date.now() - s);
  s = Date.now();
  await t.coordinator.close();
  console.log('coord closed', Date.now() - s);
  s = Date.now();
  await t.app.close();
  console.log('app closed', Date.now() - s);
}, 120000);
