// Relay mode: a runner to an upstream GitLab that runs each job in a fresh environment. See README.md.
export { createRelay } from './relay.js';
export type { Relay, RelayOptions } from './relay.js';
export { loadRelayConfig, readRelayConfigFile, defaultRelayConfigPath, envName, RELAY_KEYS } from './config.js';
export type { RelayConfig, LauncherKind } from './config.js';
export { registerRelay } from './register.js';
export { commandLauncher } from './launchers/command.js';
export { processLauncher } from './launchers/process.js';
export { dockerLauncher, LABEL_RELAY, LABEL_RELAY_JOB } from './launchers/docker.js';
export type { ContainerEngine } from './launchers/docker.js';
export type { Launcher, Environment, LaunchContext } from './launchers/types.js';
export { readStateFile, stateFilePath } from './state-file.js';
export { consoleRelayLogger, silentRelayLogger } from './logger.js';
export type { RelayLogger } from './logger.js';
