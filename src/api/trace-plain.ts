// A job log as clean plain text, for the "Raw" view: what a reader sees, nothing else.
//
// Per line (split on "\n", fed in chunks of any size, UTF-8 already decoded):
//   1. gitlab-runner's timestamp prefix `2024-05-01T10:00:00.123456Z 00O ` is dropped; a `+` after the
//      stream letter continues the previous line, so the two are joined;
//   2. `section_start:` / `section_end:` markers are removed; a line that held only markers goes;
//   3. `\r` overwrites: the text after the last one is kept (a trailing `\r`, as in CRLF, is ignored);
//   4. every escape sequence (SGR colours, erase line, cursor moves, OSC titles) is removed.
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z [0-9a-f]{2}[OE]([ +])/;
const MARKER = /section_(?:start|end):\d+:[A-Za-z0-9_.-]+(?:\[[^\]]*\])?\r?(?:\x1b\[0?K)?/g;
const ESCAPE = /\x1b\[[0-9;:?]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?/g;

/** One finished line as plain text, or null when it held only section markers. */
export function plainLine(raw: string): string | null {
  const unmarked = raw.replace(MARKER, '');
  let t = unmarked.replace(/\r+$/, '');
  const cr = t.lastIndexOf('\r');
  if (cr >= 0) t = t.slice(cr + 1);
  t = t.replace(ESCAPE, '');
  if (unmarked.length !== raw.length && t.trim() === '') return null;
  return t;
}

export interface PlainTextConverter {
  /** Feeds decoded text; returns the plain text of the lines it completed. */
  push(text: string): string;
  /** The rest (an unfinished last line). */
  end(): string;
}

export function createPlainTextConverter(): PlainTextConverter {
  let pending = '';
  /** The last complete raw line, held back in case the next one continues it (`+`). */
  let held: string | null = null;
  const flush = (): string => {
    if (held === null) return '';
    const line = plainLine(held);
    held = null;
    return line === null ? '' : `${line}\n`;
  };
  const take = (raw: string): string => {
    const m = TIMESTAMP.exec(raw);
    const text = m ? raw.slice(m[0].length) : raw;
    if (m && m[1] === '+' && held !== null) {
      held += text;
      return '';
    }
    const out = flush();
    held = text;
    return out;
  };
  return {
    push(text) {
      const all = pending + text;
      let out = '';
      let from = 0;
      let nl: number;
      while ((nl = all.indexOf('\n', from)) >= 0) {
        out += take(all.slice(from, nl));
        from = nl + 1;
      }
      pending = all.slice(from);
      return out;
    },
    end() {
      const unfinished = pending !== '';
      const out = unfinished ? take(pending) : '';
      pending = '';
      if (!unfinished) return out + flush();
      // The unfinished last line keeps its lack of a newline.
      const line = held === null ? null : plainLine(held);
      held = null;
      return out + (line ?? '');
    },
  };
}

/** A whole text at once (tests, small logs). */
export function toPlainText(text: string): string {
  const c = createPlainTextConverter();
  return c.push(text) + c.end();
}
