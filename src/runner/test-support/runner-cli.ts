// Test helper: the `runner` command alone in a child process
// (`node --import tsx src/runner/test-support/runner-cli.ts runner run …`), for signal tests.
import { Command } from 'commander';
import { registerRunnerCommand } from '../../cli/commands/runner.js';

const program = new Command().name('gitlab-ci-dispatcher').exitOverride();
let code = 0;
registerRunnerCommand(program, (c) => {
  code = c;
});
try {
  await program.parseAsync(process.argv);
} catch (e) {
  process.stderr.write(`error: ${(e as Error).message}\n`);
  code = 2;
}
process.exitCode = code;
