// Every command's --help ends with an example (README promises it), top-level help included,
// and no option shows its default twice.
import { describe, expect, it } from 'vitest';
import { main } from './main.js';

async function help(path: string[]): Promise<string> {
  const out: string[] = [];
  const w = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  try {
    await main(['node', 'gitlab-ci-dispatcher', ...path, '--help']);
  } finally {
    process.stdout.write = w;
  }
  return out.join('');
}

const subcommands = (text: string) => {
  const section = text.split(/^Commands:$/m)[1] ?? '';
  return [...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]).filter((c) => c !== 'help');
};

describe('--help', () => {
  it('every command, group and the program itself shows an example', async () => {
    const queue: string[][] = [[]];
    const seen: string[] = [];
    while (queue.length) {
      const path = queue.shift()!;
      const text = await help(path);
      seen.push(path.join(' ') || '(top level)');
      expect(text, path.join(' ')).toMatch(/^Examples?:\n {2}\$ gitlab-ci-dispatcher /m);
      // "(default: a free port) (default: "0")": one default per option
      expect(text, path.join(' ')).not.toMatch(/\(default[^)]*\)\s*\(default/);
      for (const c of subcommands(text)) queue.push([...path, c]);
    }
    expect(seen).toEqual(expect.arrayContaining(['(top level)', 'lint', 'runner register', 'runner run', 'run', 'pipeline show']));
  });
});
