import type { Command } from 'commander';

/** A command module: adds itself to the program; calls setExit(code) to set the exit status. */
export type RegisterCommand = (program: Command, setExit: (code: number) => void) => void;
