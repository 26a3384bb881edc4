import { expect, test } from 'vitest';
import type { StorePorts } from '../store/ports.js';
import type { CiVariable, Project } from './model.js';
import { ReadCache } from './read-cache.js';

const variable = (value: string): CiVariable => ({ id: 1, projectId: null, key: 'K', value, masked: false, protected: false, file: false, raw: false });

/** A store whose reads wait until released, counting them. */
function slowStore() {
  const reads = { variables: 0, projects: 0 };
  const waiting: (() => void)[] = [];
  let value = 'v1';
  const later = <T>(f: () => T) => new Promise<T>((resolve) => waiting.push(() => resolve(f())));
  const store = {
    // the value as of the read's start
    variables: { list: () => (reads.variables++, ((v) => later(() => [variable(v)]))(value)) },
    projects: { byId: (id: number) => (reads.projects++, later((): Project => ({ id, path: 'p', name: 'p', defaultBranch: 'main', createdAt: '' }))) },
  } as unknown as Pick<StorePorts, 'projects' | 'variables'>;
  return {
    store,
    reads,
    releaseAll: () => waiting.splice(0).forEach((f) => f()),
    releaseNewestFirst: () => waiting.splice(0).reverse().forEach((f) => f()),
    set: (v: string) => (value = v),
  };
}

test('concurrent misses of one key share one read', async () => {
  const s = slowStore();
  const cache = new ReadCache(s.store);
  const all = Promise.all(Array.from({ length: 50 }, () => cache.variablesOf(7)));
  const projects = Promise.all(Array.from({ length: 50 }, () => cache.project(3)));
  s.releaseAll();
  expect((await all).every((v) => v[0].value === 'v1')).toBe(true);
  expect((await projects).every((p) => p!.id === 3)).toBe(true);
  expect(s.reads).toEqual({ variables: 1, projects: 1 });
  await cache.variablesOf(7);
  expect(s.reads.variables).toBe(1); // cached now
});

test('a read begun before an invalidation does not fill the cache; callers after it read again', async () => {
  const s = slowStore();
  const cache = new ReadCache(s.store);
  const old = cache.variablesOf(null);
  s.set('v2');
  cache.invalidateVariables();
  const fresh = cache.variablesOf(null);
  s.releaseNewestFirst(); // the stale read lands last
  expect((await fresh)[0].value).toBe('v2');
  expect((await old)[0].value).toBe('v1');
  expect((await cache.variablesOf(null))[0].value).toBe('v2');
  expect(s.reads.variables).toBe(2);
});

test('a read through a transaction is not shared with callers outside it', async () => {
  const s = slowStore();
  const cache = new ReadCache(s.store);
  const outside = cache.project(1);
  const inside = cache.project(1, { projects: { byId: async (id: number) => ({ id, path: 'tx', name: 'tx', defaultBranch: 'main', createdAt: '' }) } } as unknown as Pick<StorePorts, 'projects'>);
  expect((await inside)!.path).toBe('tx');
  s.releaseAll();
  expect((await outside)!.path).toBe('p');
});
