import { describe, expect, it } from 'vitest';
import { goExpand } from './expand.js';
import { resolveVariables, v } from './job-variables.js';

const vars: Record<string, string> = { A: 'alpha', B_2: 'beta', '1': 'one', $: 'dollar' };
const ex = (s: string) => goExpand(s, (n) => vars[n] ?? '');

describe('goExpand (os.Expand rules)', () => {
  it.each([
    ['$A-${B_2}', 'alpha-beta'],
    ['x$UNKNOWN.y', 'x.y'],
    ['$1x', 'onex'],
    ['$$', 'dollar'],
    ['${}', ''],
    ['${A', 'A'],
    ['cost: 5$', 'cost: 5$'],
    ['a $ b', 'a $ b'],
    ['${A}${A}', 'alphaalpha'],
  ])('%s → %s', (input, out) => expect(ex(input)).toBe(out));
});

describe('resolveVariables', () => {
  it('expands non-raw values once against the unexpanded list; raw stays; last key wins; file → path', () => {
    const r = resolveVariables({
      runnerBefore: [v('CI_PROJECT_DIR', '/b/p')],
      job: [
        v('NAME', 'world'),
        v('GREETING', 'hello $NAME'),
        v('LATER', '$GREETING!'),
        v('RAW', 'keep $NAME', { raw: true }),
        v('CONF', 'secret-file-content', { file: true }),
        v('USES_FILE', 'cat $CONF'),
        v('TOKEN', 'supersecret', { masked: true }),
        v('NAME', 'again'),
      ],
      runnerAfter: [],
      jobToken: 'glcbt-x',
      tmpDir: '/b/p.tmp',
    });
    expect(r.env.GREETING).toBe('hello again');
    expect(r.env.LATER).toBe('hello $NAME!');
    expect(r.env.RAW).toBe('keep $NAME');
    expect(r.env.CONF).toBe('/b/p.tmp/CONF');
    expect(r.env.USES_FILE).toBe('cat /b/p.tmp/CONF');
    expect(r.files.get('CONF')).toBe('secret-file-content');
    expect(r.secrets).toEqual(expect.arrayContaining(['glcbt-x', 'supersecret']));
    expect(r.expand('${CI_PROJECT_DIR}/out')).toBe('/b/p/out');
  });
});
