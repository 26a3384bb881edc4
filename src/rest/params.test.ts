import { describe, expect, it } from 'vitest';
import { parseNested } from './params.js';

describe('Rack nested params', () => {
  it('reads plain, array, hash and array-of-hash names as Rails does', () => {
    expect(parseNested('a=1&b=x%20y')).toEqual({ a: '1', b: 'x y' });
    expect(parseNested('scope[]=running&scope[]=failed')).toEqual({ scope: ['running', 'failed'] });
    expect(parseNested('variables[K1]=v1&variables[K2]=v2')).toEqual({ variables: { K1: 'v1', K2: 'v2' } });
    expect(parseNested('variables[][key]=A&variables[][value]=1&variables[][key]=B&variables[][value]=2')).toEqual({
      variables: [
        { key: 'A', value: '1' },
        { key: 'B', value: '2' },
      ],
    });
    expect(parseNested('a[b][c]=1')).toEqual({ a: { b: { c: '1' } } });
  });

  it('never writes through __proto__, constructor or prototype', () => {
    const parsed = parseNested('__proto__[polluted]=1&a[__proto__][polluted]=2&constructor[prototype][polluted]=3&b[][__proto__]=4&ok=1');
    expect(parsed).toEqual({ ok: '1' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('keeps odd names as plain keys and refuses a flood of parameters', () => {
    expect(parseNested('a]b=1&[x]=2')).toEqual({ 'a]b': '1', '[x]': '2' });
    expect(() => parseNested(Array.from({ length: 2001 }, (_, i) => `k${i}=1`).join('&'))).toThrow(/too many/);
  });

  it('never reaches Object.prototype: a name with __proto__, constructor or prototype anywhere is dropped (found by the route fuzz)', () => {
    for (const q of ['__proto__[x]=1', 'a[__proto__][x]=1', 'constructor[prototype][x]=1', '__proto__[]=1', 'a[][__proto__]=1', '__proto__=1']) {
      const out = parseNested(`${q}&ok=1`);
      expect(({} as Record<string, unknown>).x, q).toBeUndefined();
      expect(Object.getPrototypeOf(out), q).toBe(Object.prototype);
      expect(out, q).toEqual({ ok: '1' });
    }
  });
});
