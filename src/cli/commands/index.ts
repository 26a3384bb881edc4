// The list of commands. Add one line per command module.
import type { RegisterCommand } from './types.js';

export const commands: RegisterCommand[] = [];
