// The bundled CLI's entry for `gitlab-ci-dispatcher lint …` (scripts/bundle.mjs: the main stub
// loads it when the first argument is `lint`): the same program as main.ts with the lint command
// only, so a lint loads the compiler and not the server, the runner and their dependencies.
import { registerLint } from './commands/lint.js';
import { runProgram } from './program.js';

runProgram(process.argv, [registerLint]).then((code) => {
  process.exitCode = code;
});
