#!/usr/bin/env node
// gitlab-ci-dispatcher: the command line. Each command lives in cli/commands/<name>.ts and
// exports `register(program)`; this file only assembles them.
import { commands } from './commands/index.js';
import { runProgram } from './program.js';

export async function main(argv: string[]): Promise<number> {
  return runProgram(argv, commands);
}

const invokedDirectly = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly || process.argv[1]?.endsWith('/gitlab-ci-dispatcher') || process.argv[1]?.endsWith('/gcd')) {
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
