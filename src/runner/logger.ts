// The runner's logging port. The runner never writes to stdout/stderr by itself: callers inject
// a logger (the CLI passes a pino or console logger; `run` passes a quiet one).

export interface RunnerLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const noop = () => {};

/** Discards everything. The default. */
export const silentLogger: RunnerLogger = { debug: noop, info: noop, warn: noop, error: noop };

/** One line per message on stderr, `level msg {fields}`. `debug` is dropped unless verbose. */
export function consoleLogger(opts: { verbose?: boolean; write?: (line: string) => void } = {}): RunnerLogger {
  const write = opts.write ?? ((line: string) => process.stderr.write(line));
  const log = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    write(`${new Date().toISOString()} ${level.padEnd(5)} ${msg}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`);
  return { debug: opts.verbose ? log('debug') : noop, info: log('info'), warn: log('warn'), error: log('error') };
}
