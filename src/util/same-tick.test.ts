import { expect, test } from 'vitest';
import { sameTick } from './same-tick.js';

test('reads of one key asked for in the same turn share one query; a later caller gets a new one', async () => {
  const started: string[] = [];
  let release!: () => void;
  const read = sameTick((key: string) => {
    started.push(key);
    return new Promise<string>((resolve) => (release = () => resolve(`${key}#${started.length}`)));
  });
  const a = read('p');
  const b = read('p');
  expect(started).toEqual([]); // not before the turn ends: callers of this turn may still join
  await new Promise((r) => setImmediate(r));
  expect(started).toEqual(['p']);
  const late = read('p'); // the first read is already sent: this caller must not see an older result
  release();
  expect([await a, await b]).toEqual(['p#1', 'p#1']);
  await new Promise((r) => setImmediate(r));
  expect(started).toEqual(['p', 'p']);
  release();
  expect(await late).toBe('p#2');
});

test('different keys are read separately', async () => {
  const read = sameTick(async (key: number) => key * 2);
  expect(await Promise.all([read(1), read(2), read(1)])).toEqual([2, 4, 2]);
});
