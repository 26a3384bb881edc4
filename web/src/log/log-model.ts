// A job log as lines and foldable sections, built incrementally from appended text.
//
// Per complete line (the unfinished last line is kept apart as `pending`):
//   1. gitlab-runner timestamp prefix `2024-05-01T10:00:00.123456Z 00O ` is split off (`+` after the
//      stream letter means "continues the previous line": the text is joined to it);
//   2. `section_start:<unix>:<name>[opts]\r\x1b[0K` / `section_end:<unix>:<name>\r\x1b[0K` markers
//      open and close sections (nested); the line holding a start marker is the section header;
//   3. `\r` is a carriage return: what follows the last one replaces the line (progress bars), a
//      trailing `\r` (CRLF) is ignored; style escapes of the overwritten parts are kept.
// Styles are not parsed here beyond the end style of each line (see ansi.ts): spans are built only
// for lines on screen.
import { endStyle, PLAIN, type Style } from './ansi.js';

export interface LogLine {
  text: string;
  /** ISO timestamp from the runner's prefix, if any. */
  time: string | null;
  stream: 'O' | 'E' | null;
  /** Innermost section containing the line (its header included), or -1. */
  section: number;
  /** Section id when this line is a section header, else -1. */
  header: number;
  /** Style in force at the start of the line. */
  style: Style;
}

export interface LogSection {
  id: number;
  name: string;
  parent: number;
  depth: number;
  /** Index of the header line. */
  start: number;
  /** Index of the last line of the section (inclusive); -1 while open. */
  end: number;
  startedAt: number | null;
  endedAt: number | null;
  collapsed: boolean;
  hideDuration: boolean;
}

const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) [0-9a-f]{2}([OE])([ +])/;
const MARKER = /section_(start|end):(\d+):([A-Za-z0-9_.-]+)(?:\[([^\]]*)\])?\r?(?:\x1b\[0?K)?/g;

/** Applies carriage returns: the text after the last `\r` wins; earlier style escapes are kept. */
export function applyCarriageReturns(text: string): string {
  let t = text.endsWith('\r') ? text.replace(/\r+$/, '') : text;
  const cr = t.lastIndexOf('\r');
  if (cr < 0) return t;
  const before = t.slice(0, cr);
  const escapes = before.indexOf('\x1b') < 0 ? '' : (before.match(/\x1b\[[0-9;:]*m/g) ?? []).join('');
  t = escapes + t.slice(cr + 1);
  return t;
}

function parseOptions(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const part of raw.split(',')) {
    const [k, v = 'true'] = part.split('=');
    if (k) out[k.trim()] = v.trim();
  }
  return out;
}

/** Section duration as "mm:ss" or "h:mm:ss". */
export function formatSectionDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}

export class LogModel {
  readonly lines: LogLine[] = [];
  readonly sections: LogSection[] = [];
  /** Text after the last newline (not yet a complete line). */
  pending = '';
  /** Bumped on every change, for views that cache. */
  version = 0;
  private open: number[] = [];
  private style: Style = PLAIN;

  append(text: string): void {
    if (!text) return;
    const all = this.pending + text;
    let from = 0;
    let nl: number;
    while ((nl = all.indexOf('\n', from)) >= 0) {
      this.addLine(all.slice(from, nl));
      from = nl + 1;
    }
    this.pending = all.slice(from);
    this.version++;
  }

  /** The unfinished last line as it would show now (markers stripped, `\r` applied). */
  pendingLine(): LogLine | null {
    if (!this.pending) return null;
    const { text, time, stream } = this.splitTimestamp(this.pending);
    const clean = applyCarriageReturns(text.replace(MARKER, ''));
    return { text: clean, time, stream, section: this.open[this.open.length - 1] ?? -1, header: -1, style: this.style };
  }

  private splitTimestamp(raw: string): { text: string; time: string | null; stream: 'O' | 'E' | null; continues: boolean } {
    const m = TIMESTAMP.exec(raw);
    if (!m) return { text: raw, time: null, stream: null, continues: false };
    return { text: raw.slice(m[0].length), time: m[1], stream: m[2] as 'O' | 'E', continues: m[3] === '+' };
  }

  private addLine(raw: string): void {
    const { text, time, stream, continues } = this.splitTimestamp(raw);
    if (continues && this.lines.length > 0 && text.indexOf('section_') < 0) {
      const prev = this.lines[this.lines.length - 1];
      prev.text = applyCarriageReturns(prev.text + text);
      this.style = endStyle(prev.text, prev.style);
      return;
    }
    // Split the line into text pieces and markers, in order.
    let headerOf = -1;
    let content = '';
    let sawText = false;
    const after: { kind: string; name: string; time: number }[] = [];
    MARKER.lastIndex = 0;
    let last = 0;
    let m: RegExpExecArray | null;
    while ((m = MARKER.exec(text)) !== null) {
      const piece = text.slice(last, m.index);
      content += piece;
      if (stripVisible(piece)) sawText = true;
      last = MARKER.lastIndex;
      const kind = m[1];
      const name = m[3];
      const at = Number(m[2]);
      if (kind === 'start') {
        const opts = parseOptions(m[4]);
        // A start after visible text on the same line opens the section from the next line on.
        const id = this.openSection(name, at, opts, sawText ? this.lines.length + 1 : this.lines.length);
        if (!sawText) headerOf = id;
      } else if (sawText) after.push({ kind, name, time: at });
      else this.closeSection(name, at, this.lines.length - 1);
    }
    content += text.slice(last);
    const shown = applyCarriageReturns(content);
    const visible = stripVisible(shown);
    if (visible || headerOf >= 0 || !/section_(start|end):/.test(text)) {
      const section = this.open[this.open.length - 1] ?? -1;
      const headerText = headerOf >= 0 && !visible ? this.sections[headerOf].name : shown;
      this.lines.push({ text: headerText, time, stream, section, header: headerOf, style: this.style });
      this.style = endStyle(headerText, this.style);
    }
    for (const a of after) this.closeSection(a.name, a.time, this.lines.length - 1);
  }

  private openSection(name: string, at: number, opts: Record<string, string>, start: number): number {
    const parent = this.open[this.open.length - 1] ?? -1;
    const id = this.sections.length;
    this.sections.push({
      id,
      name,
      parent,
      depth: parent >= 0 ? this.sections[parent].depth + 1 : 0,
      start,
      end: -1,
      startedAt: Number.isFinite(at) ? at : null,
      endedAt: null,
      collapsed: opts.collapsed === 'true',
      hideDuration: opts.hide_duration === 'true',
    });
    this.open.push(id);
    return id;
  }

  private closeSection(name: string, at: number, lastLine: number): void {
    const idx = this.open.map((id) => this.sections[id].name).lastIndexOf(name);
    if (idx < 0) return;
    // Closing a section closes any still open inside it.
    while (this.open.length > idx) {
      const id = this.open.pop()!;
      const s = this.sections[id];
      s.end = Math.max(s.start, lastLine);
      s.endedAt = Number.isFinite(at) ? at : null;
    }
  }

  /** Seconds a section took, or null while it is open or when the runner asked to hide it. */
  duration(id: number): number | null {
    const s = this.sections[id];
    if (!s || s.hideDuration || s.endedAt === null || s.startedAt === null) return null;
    return s.endedAt - s.startedAt;
  }

  /**
   * Indices of the lines to show given which sections are folded (`folded(id)`), in order.
   * A folded section shows its header only.
   */
  visibleLines(folded: (id: number) => boolean): number[] {
    const out: number[] = [];
    const n = this.lines.length;
    for (let i = 0; i < n; ) {
      out.push(i);
      const h = this.lines[i].header;
      if (h >= 0 && folded(h)) {
        const s = this.sections[h];
        i = s.end < 0 ? n : Math.max(i, s.end) + 1;
      } else i++;
    }
    return out;
  }
}

function stripVisible(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x1b) {
      // skip a CSI sequence
      if (text[i + 1] === '[') {
        i += 2;
        while (i < text.length && !/[@-~]/.test(text[i])) i++;
      }
      continue;
    }
    if (c !== 0x20 && c !== 0x0d && c !== 0x09) return true;
  }
  return false;
}
