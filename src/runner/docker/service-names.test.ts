// Service host names as gitlab-runner derives them.
import { describe, expect, it } from 'vitest';
import { serviceHostNames, splitAliases } from './service-names.js';

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
