// The relay's logging port: the same shape as the runner's (runner/logger.ts), so the runner
// network client takes it as is. One line per message on stderr, `time level msg {fields}`.

export interface RelayLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const noop = () => {};
export const silentRelayLogger: RelayLogger = { debug: noop, info: noop, warn: noop, error: noop };

export function consoleRelayLogger(opts: { verbose?: boolean; write?: (line: string) => void } = {}): RelayLogger {
  const write = opts.write ?? ((line: string) => process.stderr.write(line));
  const log = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    write(`${new Date().toISOString()} ${level.padEnd(5)} relay: ${msg}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`);
  return { debug: opts.verbose ? log('debug') : noop, info: log('info'), warn: log('warn'), error: log('error') };
}
