// Service host names as gitlab-runner derives them, and the shell probe's answer.
import { describe, expect, it } from 'vitest';
import { serviceHostNames, splitAliases } from './service-names.js';
import { parseProbeOutput } from './detect-shell.js';
import { bashScript } from '../shell/bash-script.js';

describe('serviceHostNames', () => {
  it.each([
    ['postgres:15', undefined, ['postgres']],
    ['postgres', undefined, ['postgres']],
    ['tutum/wordpress', undefined, ['tutum__wordpress', 'tutum-wordpress']],
    ['tutum/wordpress:latest', 'wp', ['tutum__wordpress', 'tutum-wordpress', 'wp']],
    ['registry.example.com:5000/group/img:1.2', undefined, ['registry.example.com__group__img', 'registry.example.com-group-img']],
    ['mysql@sha256:abcd', undefined, ['mysql']],
    ['redis:7', 'cache, store  kv', ['redis', 'cache', 'store', 'kv']],
    ['redis:7', 'redis', ['redis']],
  ])('%s (alias %s)', (name, alias, want) => {
    expect(serviceHostNames({ name, alias })).toEqual(want);
  });
  it('splits aliases on commas and spaces', () => expect(splitAliases('a,b c')).toEqual(['a', 'b', 'c']));
});

describe('shell detection', () => {
  it('reads the probe answer', () => {
    expect(parseProbeOutput('gcd-shell=bash\n')).toBe('bash');
    expect(parseProbeOutput('entrypoint noise\ngcd-shell=sh\n')).toBe('sh');
    expect(parseProbeOutput('sh: not found')).toBeNull();
  });
  it('the POSIX script has no bash-isms: no $\'…\' quoting, pipefail only where the shell has it', () => {
    const s = bashScript({ commands: ["echo 'it''s'", 'a\nb'], cwd: "/b/it's", posix: true });
    expect(s).not.toContain("$'");
    expect(s).toContain("if (set -o pipefail) 2>/dev/null; then set -o pipefail; fi");
    expect(s).toContain("cd -- '/b/it'\\''s'");
    expect(bashScript({ commands: ['x'], cwd: '/b' })).toContain('set -eo pipefail');
  });
});
