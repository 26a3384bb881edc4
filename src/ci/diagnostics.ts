// Collects errors and warnings with their source position. The compiler never throws on user
// input: every problem becomes a Diagnostic here.
import type { Diagnostic, SourcePosition } from './plan.js';
import { resolvePos, type Pos } from './source-map.js';

/** A hint attached to a diagnostic, at its own position (see did-you-mean.ts). */
export interface KeyHint {
  pos: Pos | undefined;
  message: string;
}

export class Diagnostics {
  readonly errors: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];
  private readonly seen = new Set<string>();
  /** Set when some include could not be read offline: "missing definition" errors become warnings. */
  incomplete = false;

  constructor(private readonly mainFile: string) {}

  error(pos: Pos | undefined, message: string, hints: KeyHint[] = []): void {
    this.add('error', pos, message, hints);
  }

  warn(pos: Pos | undefined, message: string): void {
    this.add('warning', pos, message);
  }

  /**
   * An error that may only be due to content of an include we could not read (an unknown
   * `extends` parent, an undefined need…): a warning when the configuration is incomplete.
   */
  missing(pos: Pos | undefined, message: string, hints: KeyHint[] = []): void {
    if (this.incomplete) this.add('warning', pos, `${message} (it may be defined in an include that is not available offline)`, hints);
    else this.add('error', pos, message, hints);
  }

  position(pos: Pos | undefined): SourcePosition {
    return resolvePos(pos, this.mainFile);
  }

  private add(severity: Diagnostic['severity'], pos: Pos | undefined, message: string, hints: KeyHint[] = []): void {
    const where = resolvePos(pos, this.mainFile);
    const key = `${severity}|${where.file}|${where.line}|${where.column}|${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const list = severity === 'error' ? this.errors : this.warnings;
    if (list.length >= 500) return;
    const diagnostic: Diagnostic = { ...where, severity, message };
    if (hints.length) diagnostic.hints = hints.map((h) => ({ ...resolvePos(h.pos, this.mainFile), message: h.message }));
    list.push(diagnostic);
  }
}

/** `file:line:col: error: message`, as compilers print, then one `file:line:col: hint: …` line per hint. */
export function formatDiagnostic(d: Diagnostic): string {
  return [`${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`, ...(d.hints ?? []).map((h) => `${h.file}:${h.line}:${h.column}: hint: ${h.message}`)].join('\n');
}
