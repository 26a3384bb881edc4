import { describe, expect, it } from 'vitest';
import { decodeJobPayload } from '../network/job-payload.js';
import { resolveRoute, splitWords } from './route.js';
import type { JobHandler, CommandHandler } from './handler.js';

const job = (over: object = {}) =>
  decodeJobPayload(
    JSON.stringify({
      id: 1,
      token: 't',
      git_info: { sha: '0123456789abcdef' },
      job_info: { name: 'lab test' },
      variables: [
        { key: 'CI_RUNNER_TAGS', value: '["docker", "lab"]' },
        { key: 'FILE', value: 'my job.yaml' },
      ],
      steps: [{ name: 'script', script: ['submit "$FILE"', "monitor-file 'ids.json' --quiet"] }],
      ...over,
    }),
  );

const h = (name: string): JobHandler => Object.assign(async () => {}, { handlerName: name });
const c = (name: string): CommandHandler => Object.assign(async () => {}, { handlerName: name });
const nameOf = (x: unknown) => (x as { handlerName: string }).handlerName;

describe('resolveRoute', () => {
  it('by job name first, then by the runner tags, then by command, then default', () => {
    expect(nameOf((resolveRoute({ byName: { 'lab test': h('n') }, byTag: { lab: h('t') } }, job()) as { handler: unknown }).handler)).toBe('n');
    expect(nameOf((resolveRoute({ byTag: { lab: h('t') } }, job()) as { handler: unknown }).handler)).toBe('t');
    const r = resolveRoute({ byCommand: { submit: c('s'), 'monitor-file': c('m') } }, job(), (s) => s.replace('$FILE', 'my job.yaml'));
    expect(r.kind).toBe('commands');
    if (r.kind !== 'commands') return;
    expect(r.calls.map((x) => [x.command, x.args, nameOf(x.handler)])).toEqual([
      ['submit', ['my job.yaml'], 's'],
      ['monitor-file', ['ids.json', '--quiet'], 'm'],
    ]);
    expect(resolveRoute({ byCommand: { submit: c('s') } }, job())).toMatchObject({ kind: 'none', why: 'unknown command "monitor-file"' });
    expect(resolveRoute({ byCommand: { submit: c('s') }, default: h('d') }, job())).toMatchObject({ kind: 'job', via: 'default' });
    expect(resolveRoute(() => undefined, job())).toMatchObject({ kind: 'none' });
  });

  it('splits words like a shell (quotes, escapes)', () => {
    expect(splitWords(`a "b c" 'd e' f\\ g ""`)).toEqual(['a', 'b c', 'd e', 'f g', '']);
    expect(() => splitWords('a "b')).toThrow(/unterminated/);
  });
});
