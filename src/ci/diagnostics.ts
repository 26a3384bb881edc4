// Collects errors and warnings with their source position. The compiler never throws on user
// input: every problem becomes a Diagnostic here.
import type { Diagnostic, SourcePosition } from './plan.js';
import { resolvePos, type Pos } from './source-map.js';

export class Diagnostics {
  readonly errors: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];
  private readonly seen = new Set<string>();
  /** Set when some include could not be read offline: "missing definition" errors become warnings. */
  incomplete = false;

  constructor(private readonly mainFile: string) {}

  error(pos: Pos | undefined, message: string): void {
    this.add('error', pos, message);
  }

  warn(pos: Pos | undefined, message: string): void {
    this.add('warning', pos, message);
  }

  /**
   * An error that may only be due to content of an include we could not read (an unknown
   * `extends` parent, an undefined need…): a warning when the configuration is incomplete.
   */
  missing(pos: Pos | undefined, message: string): void {
    if (this.incomplete) this.add('warning', pos, `${message} (it may be defined in an include that is not available offline)`);
    else this.add('error', pos, message);
  }

  position(pos: Pos | undefined): SourcePosition {
    return resolvePos(pos, this.mainFile);
  }

  private add(severity: Diagnostic['severity'], pos: Pos | undefined, message: string): void {
    const where = resolvePos(pos, this.mainFile);
    const key = `${severity}|${where.file}|${where.line}|${where.column}|${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const list = severity === 'error' ? this.errors : this.warnings;
    if (list.length >= 500) return;
    list.push({ ...where, severity, message });
  }
}

/** `file:line:col: error: message`, as compilers print. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`;
}
