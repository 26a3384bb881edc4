// Runs the example: a fake lab on 127.0.0.1 and the lab runner against a coordinator.
//   GITLAB_URL=http://127.0.0.1:8080 GITLAB_TOKEN=glrt-… npx tsx examples/custom-runner/main.ts
// Jobs then need LAB_URL (printed below) among their variables.
import { consoleLogger } from '../../src/runner/index.js';
import { startFakeLab } from './fake-lab.js';
import { createLabRunner } from './lab-runner.js';

const url = process.env.GITLAB_URL;
const token = process.env.GITLAB_TOKEN;
if (!url || !token) {
  process.stderr.write('set GITLAB_URL and GITLAB_TOKEN\n');
  process.exit(2);
}
const lab = await startFakeLab({ tickMs: 500 });
process.stderr.write(`fake lab listening on ${lab.url} (set LAB_URL=${lab.url} in your jobs)\n`);
const runner = createLabRunner({ url, token, concurrency: 4, logger: consoleLogger() });
runner.start();
const stop = () => void runner.stop();
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
await runner.done;
await lab.close();
process.stderr.write(`runner stopped: ${runner.stoppedReason}\n`);
