// Unit tests of the UI's log model (web/src/log/log-model.ts): lines, sections, timestamps, \r.
import { describe, expect, it } from 'vitest';
import { applyCarriageReturns, formatSectionDuration, LogModel } from '../../web/src/log/log-model.js';

const S = (t: number, name: string, opts = '') => `section_start:${t}:${name}${opts}\r\x1b[0K`;
const E = (t: number, name: string) => `section_end:${t}:${name}\r\x1b[0K`;

describe('LogModel', () => {
  it('splits lines and keeps the unfinished one apart', () => {
    const m = new LogModel();
    m.append('one\ntw');
    expect(m.lines.map((l) => l.text)).toEqual(['one']);
    expect(m.pendingLine()?.text).toBe('tw');
    m.append('o\nthree\n');
    expect(m.lines.map((l) => l.text)).toEqual(['one', 'two', 'three']);
    expect(m.pendingLine()).toBeNull();
  });

  it('folds sections, nested, with durations and the collapsed option', () => {
    const m = new LogModel();
    m.append(
      [
        'Running with gitlab-runner',
        `${S(100, 'prepare')}\x1b[36;1mPreparing\x1b[0;m`,
        'inside prepare',
        `${E(103, 'prepare')}${S(103, 'step_script')}\x1b[36;1mExecuting "step_script"\x1b[0;m`,
        `${S(103, 'section_script_step_0', '[hide_duration=true,collapsed=true]')}\x1b[32;1m$ echo hi\x1b[0;m`,
        'hi',
        `${E(104, 'section_script_step_0')}`,
        'after step',
        `${E(170, 'step_script')}`,
        'Job succeeded',
        '',
      ].join('\n'),
    );
    expect(m.lines.map((l) => l.text)).toEqual([
      'Running with gitlab-runner',
      '\x1b[36;1mPreparing\x1b[0;m',
      'inside prepare',
      '\x1b[36;1mExecuting "step_script"\x1b[0;m',
      '\x1b[32;1m$ echo hi\x1b[0;m',
      'hi',
      'after step',
      'Job succeeded',
    ]);
    const [prepare, script, step] = m.sections;
    expect(prepare).toMatchObject({ name: 'prepare', start: 1, end: 2, depth: 0, collapsed: false });
    expect(script).toMatchObject({ name: 'step_script', start: 3, end: 6 });
    expect(step).toMatchObject({ name: 'section_script_step_0', start: 4, end: 5, depth: 1, parent: script.id, collapsed: true, hideDuration: true });
    expect(m.duration(prepare.id)).toBe(3);
    expect(m.duration(script.id)).toBe(67);
    expect(m.duration(step.id)).toBeNull();
    // Folding as the markers say: only the collapsed step is folded.
    expect(m.visibleLines((id) => m.sections[id].collapsed)).toEqual([0, 1, 2, 3, 4, 6, 7]);
    // Folding the outer section hides everything in it.
    expect(m.visibleLines((id) => id === script.id)).toEqual([0, 1, 2, 3, 7]);
    expect(m.visibleLines(() => false)).toHaveLength(8);
  });

  it('keeps an unterminated section open to the end', () => {
    const m = new LogModel();
    m.append(`${S(1, 'long')}header\na\nb\n`);
    expect(m.sections[0].end).toBe(-1);
    expect(m.visibleLines(() => true)).toEqual([0]);
    expect(m.duration(0)).toBeNull();
  });

  it('splits off gitlab-runner timestamps and joins continued lines', () => {
    const m = new LogModel();
    m.append(
      '2024-05-01T10:00:00.123456Z 00O hello\n' +
        '2024-05-01T10:00:01.000000Z 01E oops\n' +
        '2024-05-01T10:00:02.000000Z 00O Downloading 10%\n' +
        '2024-05-01T10:00:03.000000Z 00O+ done\n' +
        `2024-05-01T10:00:04.000000Z 00O ${S(1714557604, 'x')}Header\n`,
    );
    expect(m.lines.map((l) => [l.time, l.stream, l.text])).toEqual([
      ['2024-05-01T10:00:00.123456Z', 'O', 'hello'],
      ['2024-05-01T10:00:01.000000Z', 'E', 'oops'],
      ['2024-05-01T10:00:02.000000Z', 'O', 'Downloading 10% done'],
      ['2024-05-01T10:00:04.000000Z', 'O', 'Header'],
    ]);
    expect(m.sections[0]).toMatchObject({ name: 'x', start: 3 });
  });

  it('applies carriage returns (progress lines, CRLF)', () => {
    const m = new LogModel();
    m.append('progress 10%\rprogress 50%\rprogress 100%\nwindows line\r\n');
    expect(m.lines.map((l) => l.text)).toEqual(['progress 100%', 'windows line']);
    m.append('live 1%\rlive 2%');
    expect(m.pendingLine()?.text).toBe('live 2%');
    expect(applyCarriageReturns('\x1b[32mgreen 1\rgreen 2')).toBe('\x1b[32mgreen 2');
  });

  it('carries the style from line to line', () => {
    const m = new LogModel();
    m.append('\x1b[31mred\nstill red\x1b[0m\nplain\n');
    expect(m.lines[1].style).toMatchObject({ fg: 1 });
    expect(m.lines[2].style.fg).toBeNull();
  });

  it('handles a large log quickly enough to stay usable', () => {
    const m = new LogModel();
    const line = '\x1b[32m2024\x1b[0m compiling module number 123456 of the project\n';
    for (let i = 0; i < 20; i++) m.append(line.repeat(10_000));
    expect(m.lines).toHaveLength(200_000);
    expect(m.visibleLines(() => false)).toHaveLength(200_000);
  });

  it('formats section durations', () => {
    expect(formatSectionDuration(5)).toBe('00:05');
    expect(formatSectionDuration(67)).toBe('01:07');
    expect(formatSectionDuration(3723)).toBe('1:02:03');
  });
});
