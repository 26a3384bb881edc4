// The list of commands. Add one line per command module.
import type { RegisterCommand } from './types.js';
import { registerRun } from './run.js';
import { registerServe } from './serve.js';

export const commands: RegisterCommand[] = [registerRun, registerServe];
