// What environment a step (or a server's git command) starts with, and which of its names the
// step driver (step-driver.ts) can set with bash's own `export` rather than an `env -i` exec.

/**
 * process.env as a plain object, without `_`: that is the starting shell's, bash keeps `_` to
 * itself (a step's bash sets it anew), and with it every command would need `env -i`. Each read
 * of process.env goes through the C++ environment: read it once (a runner: when it starts).
 */
export function inheritedEnv(): Record<string, string | undefined> {
  const { _: _shell, ...env } = process.env;
  return env;
}

// Identifiers that are read-only, dynamic or otherwise special to bash, and the driver's own.
const SPECIAL = /^(?:BASH\w*|COMP_\w*|__gcd_\w*|_|RANDOM|SRANDOM|SECONDS|LINENO|HISTCMD|EPOCHSECONDS|EPOCHREALTIME|FUNCNAME|GROUPS|DIRSTACK|EUID|UID|PPID|SHELLOPTS|PIPESTATUS|OPTIND|OPTARG|OPTERR|IFS|POSIXLY_CORRECT|EXECIGNORE)$/;

/** A name bash takes with `export NAME=value` and passes on unchanged. */
export const plainName = (k: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && !SPECIAL.test(k);
