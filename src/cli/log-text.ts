// Job logs for a terminal: drop gitlab-runner's section markers and per-line timestamps, keep
// colours only when asked, resolve `\r` progress lines to their last state.
const SECTION = /section_(?:start|end):\d+:[^\r\n]*?\r\x1b\[0K/g;
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z [0-9a-f]{2}[OE][ +]/;
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

export function cleanLog(text: string, opts: { color?: boolean } = {}): string[] {
  const lines = text.replace(SECTION, '').split('\n');
  return lines.map((raw) => {
    let line = raw.replace(TIMESTAMP, '');
    if (line.includes('\r')) {
      const parts = line.split('\r').filter((p) => p.length > 0);
      line = parts[parts.length - 1] ?? '';
    }
    return opts.color ? line : line.replace(ANSI, '');
  });
}

export function lastLines(text: string, n: number, opts: { color?: boolean } = {}): string {
  const lines = cleanLog(text, opts);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.slice(-n).join('\n');
}
