// The list of commands. Add one line per command module.
import type { RegisterCommand } from './types.js';
import { registerRun } from './run.js';
import { registerServe } from './serve.js';
import { registerLint } from './lint.js';
import { registerRunnerCommand } from './runner.js';
import { registerPipeline } from './pipeline.js';
import { registerJob } from './job.js';
import { registerArtifacts } from './artifacts.js';
import { registerRunners } from './runners.js';
import { registerVariables } from './variables.js';
import { registerProtected } from './protected.js';
import { registerTokens } from './tokens.js';
import { registerRelayCommand } from './relay.js';

export const commands: RegisterCommand[] = [
  registerRun,
  registerServe,
  registerLint,
  registerRunnerCommand,
  registerPipeline,
  registerJob,
  registerArtifacts,
  registerRunners,
  registerVariables,
  registerProtected,
  registerTokens,
  registerRelayCommand,
];
