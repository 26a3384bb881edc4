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
  // A reader that goes away (`| head`) does not end the command with a stack trace: what it would
  // have read is dropped, and the command (a pipeline run, say) goes on to its own end.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    });
  }
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
