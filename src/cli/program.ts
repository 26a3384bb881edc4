// The program every CLI entry runs: gitlab-ci-dispatcher with the given commands (main.ts: all of
// them; lint-main.ts: `lint` alone, so `lint` does not load the server's code).
import { Command } from 'commander';
import type { RegisterCommand } from './commands/types.js';

export async function runProgram(argv: string[], commands: RegisterCommand[]): Promise<number> {
  const program = new Command()
    .name('gitlab-ci-dispatcher')
    .description('Run .gitlab-ci.yml pipelines; a GitLab runner API v4 coordinator without GitLab')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError()
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ gitlab-ci-dispatcher run                  # run ./.gitlab-ci.yml here, with the built-in runner',
        '  $ gitlab-ci-dispatcher run --keep           # and keep its web UI (the printed link signs you in)',
        '  $ gitlab-ci-dispatcher lint examples/basic  # check a .gitlab-ci.yml, list the jobs it creates',
        '  $ gitlab-ci-dispatcher serve --port 8080    # the server for a team and its gitlab-runners',
        '',
        'Every command has --help with an example: gitlab-ci-dispatcher help run',
        '',
      ].join('\n'),
    );
  let exitCode = 0;
  const setExit = (code: number) => {
    exitCode = code;
  };
  for (const register of commands) register(program, setExit);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const e = error as { code?: string; exitCode?: number; message?: string };
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
    if (typeof e.exitCode === 'number' && e.code?.startsWith('commander.')) return e.exitCode === 1 ? 2 : e.exitCode;
    process.stderr.write(`error: ${e.message ?? String(error)}\n`);
    return 2;
  }
  return exitCode;
}
