// The colours and section markers gitlab-runner writes into the trace (§7), so that GitLab's
// log viewer (and ours) folds stages and script lines.

export const ANSI = {
  boldGreen: '\x1b[32;1m',
  boldCyan: '\x1b[36;1m',
  boldRed: '\x1b[31;1m',
  yellow: '\x1b[0;33m',
  reset: '\x1b[0;m',
  eraseLine: '\x1b[0K',
} as const;

const unix = (now: Date) => Math.floor(now.getTime() / 1000);

export function sectionStart(name: string, opts: { now?: Date; options?: Record<string, string | boolean> } = {}): string {
  const o = opts.options && Object.keys(opts.options).length ? `[${Object.entries(opts.options).map(([k, v]) => `${k}=${v}`).join(',')}]` : '';
  return `section_start:${unix(opts.now ?? new Date())}:${name}${o}\r${ANSI.eraseLine}`;
}

export function sectionEnd(name: string, now: Date = new Date()): string {
  return `section_end:${unix(now)}:${name}\r${ANSI.eraseLine}`;
}
