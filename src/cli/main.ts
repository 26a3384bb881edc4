#!/usr/bin/env node
// gitlab-ci-dispatcher: the command line. Each command lives in cli/commands/<name>.ts and
// exports `register(program)`; this file only assembles them.
import { Command } from 'commander';
import { commands } from './commands/index.js';

export async function main(argv: string[]): Promise<number> {
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

const invokedDirectly = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly || process.argv[1]?.endsWith('/gitlab-ci-dispatcher') || process.argv[1]?.endsWith('/gcd')) {
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
