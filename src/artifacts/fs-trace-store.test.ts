import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { createFsTraceStore } from './fs-trace-store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-trace-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

async function collect(s: NodeJS.ReadableStream): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of s as AsyncIterable<Buffer>) parts.push(Buffer.from(c));
  return Buffer.concat(parts).toString();
}

test('append at the current length, read ranges, stream, remove', async () => {
  const t = createFsTraceStore({ dir });
  expect(await t.size(7)).toBe(0);
  expect(await t.read(7)).toEqual(Buffer.alloc(0));
  expect(await collect(t.stream(7))).toBe('');
  expect(await t.append(7, 0, Buffer.from('hello '))).toBe(6);
  expect(await t.append(7, 6, Buffer.from('world'))).toBe(11);
  await expect(t.append(7, 3, Buffer.from('x'))).rejects.toMatchObject({ code: 'range_not_satisfiable' });
  await expect(t.append(7, 20, Buffer.from('x'))).rejects.toMatchObject({ code: 'range_not_satisfiable' });
  expect((await t.read(7, 6)).toString()).toBe('world');
  expect((await t.read(7, 0, 5)).toString()).toBe('hello');
  expect(await collect(t.stream(7, 6))).toBe('world');
  await t.remove(7);
  expect(await t.size(7)).toBe(0);
});

test('concurrent appends at the same offset: exactly one wins', async () => {
  const t = createFsTraceStore({ dir });
  const results = await Promise.allSettled([t.append(1, 0, Buffer.from('a')), t.append(1, 0, Buffer.from('b')), t.append(1, 1, Buffer.from('c'))]);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect((await t.read(1)).toString()).toBe('ac');
});

test('appends of any size, small (synchronous) and whole reads agree: order, ranges past the end, a missing trace', async () => {
  const t = createFsTraceStore({ dir });
  const big = Buffer.alloc(1024 * 1024 + 100, 'b');
  expect(await t.append(3, 0, Buffer.from('head '))).toBe(5);
  expect(await t.append(3, 5, big)).toBe(5 + big.length);
  expect(await t.append(3, 5 + big.length, Buffer.from(' tail'))).toBe(10 + big.length);
  await expect(t.append(3, 5, Buffer.from('x'))).rejects.toMatchObject({ code: 'range_not_satisfiable', details: { length: 10 + big.length } });
  const whole = await t.read(3);
  expect(whole.length).toBe(10 + big.length);
  expect(whole.subarray(0, 5).toString()).toBe('head ');
  expect(whole.subarray(-5).toString()).toBe(' tail');
  expect((await t.read(3, 0, 7)).toString()).toBe('head bb');
  expect((await t.read(3, big.length + 3, big.length + 100)).toString()).toBe('bb tail');
  expect((await t.read(3, big.length + 20, big.length + 30)).length).toBe(0);
  expect((await t.read(4, 0, 10)).length).toBe(0);
  expect(await t.size(3)).toBe(10 + big.length);
});
