import { expect, test } from 'vitest';
import { claimBatcher } from './claim-batcher.js';

interface A {
  id: number;
  signal?: AbortSignal;
}

/** A fake statement: records each call and waits until the test releases it. */
function fake(answer: (ids: number[]) => (string | null)[] = (ids) => ids.map((i) => `job-for-${i}`)) {
  const calls: { match: string; ids: number[]; release(error?: Error): void }[] = [];
  const run = (match: string, assigns: A[]) =>
    new Promise<(string | null)[]>((resolve, reject) => {
      const ids = assigns.map((a) => a.id);
      calls.push({ match, ids, release: (error) => (error ? reject(error) : resolve(answer(ids))) });
    });
  return { calls, run };
}

const tick = () => new Promise((r) => setImmediate(r));

test('alone, a claim is sent at once; claims arriving meanwhile share the next statement, in order, up to max', async () => {
  const f = fake();
  const claim = claimBatcher({ max: 3, run: f.run });
  const first = claim('k', 'm', { id: 1 });
  expect(f.calls.map((c) => c.ids)).toEqual([[1]]);
  const rest = [2, 3, 4, 5].map((id) => claim('k', 'm', { id }));
  await tick();
  expect(f.calls.length).toBe(1); // one statement in flight per class
  f.calls[0].release();
  expect(await first).toBe('job-for-1');
  await tick();
  expect(f.calls.map((c) => c.ids)).toEqual([[1], [2, 3, 4]]);
  f.calls[1].release();
  await tick();
  expect(f.calls.map((c) => c.ids)).toEqual([[1], [2, 3, 4], [5]]);
  f.calls[2].release();
  expect(await Promise.all(rest)).toEqual(['job-for-2', 'job-for-3', 'job-for-4', 'job-for-5']);
});

test('classes do not share statements', async () => {
  const f = fake();
  const claim = claimBatcher({ max: 10, run: f.run });
  const a = claim('a', 'ma', { id: 1 });
  const b = claim('b', 'mb', { id: 2 });
  expect(f.calls.map((c) => [c.match, c.ids])).toEqual([
    ['ma', [1]],
    ['mb', [2]],
  ]);
  for (const c of f.calls) c.release();
  expect([await a, await b]).toEqual(['job-for-1', 'job-for-2']);
});

test('fewer rows than callers: the callers without a row get null', async () => {
  const f = fake((ids) => ids.map((id, i) => (i === 0 ? `job-for-${id}` : null)));
  const claim = claimBatcher({ max: 10, run: f.run });
  const first = claim('k', 'm', { id: 1 });
  const more = [claim('k', 'm', { id: 2 }), claim('k', 'm', { id: 3 })];
  f.calls[0].release();
  await first;
  await tick();
  f.calls[1].release();
  expect(await Promise.all(more)).toEqual(['job-for-2', null]);
});

test('a caller whose request aborted while it waited takes nothing and is not sent', async () => {
  const f = fake();
  const claim = claimBatcher({ max: 10, run: f.run });
  const first = claim('k', 'm', { id: 1 });
  const gone = new AbortController();
  const waiting = [claim('k', 'm', { id: 2, signal: gone.signal }), claim('k', 'm', { id: 3 })];
  gone.abort();
  f.calls[0].release();
  await first;
  await tick();
  expect(f.calls.map((c) => c.ids)).toEqual([[1], [3]]);
  f.calls[1].release();
  expect(await Promise.all(waiting)).toEqual([null, 'job-for-3']);
  // already aborted and alone: nothing is sent at all
  expect(await claim('k', 'm', { id: 4, signal: AbortSignal.abort() })).toBeNull();
  expect(f.calls.length).toBe(2);
});

test('a failed statement fails exactly its callers; the next statement still runs', async () => {
  const f = fake();
  const claim = claimBatcher({ max: 2, run: f.run });
  const first = claim('k', 'm', { id: 1 });
  const second = [claim('k', 'm', { id: 2 }), claim('k', 'm', { id: 3 })];
  const third = claim('k', 'm', { id: 4 });
  f.calls[0].release(new Error('boom'));
  await expect(first).rejects.toThrow('boom');
  await tick();
  f.calls[1].release();
  expect(await Promise.all(second)).toEqual(['job-for-2', 'job-for-3']);
  await tick();
  f.calls[2].release(new Error('again'));
  await expect(third).rejects.toThrow('again');
  // the class is idle again: a new claim is sent at once
  const next = claim('k', 'm', { id: 5 });
  expect(f.calls.at(-1)!.ids).toEqual([5]);
  f.calls.at(-1)!.release();
  expect(await next).toBe('job-for-5');
});
