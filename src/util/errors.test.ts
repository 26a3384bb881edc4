// The status and Retry-After every HTTP edge derives from an error.
import { expect, test } from 'vitest';
import { AppError, httpStatusOf, knownAppError, retryHeadersOf, unavailable } from './errors.js';

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

test('an outage is 503 with Retry-After', () => {
  const e = unavailable('the database is unavailable', { retryAfterSeconds: 2, cause: new Error('Connection terminated') });
  expect(httpStatusOf(e)).toBe(503);
  expect(retryHeadersOf(e)).toEqual({ 'retry-after': '2' });
  expect(retryHeadersOf(new AppError('unavailable', 'x'))).toEqual({ 'retry-after': '1' });
});

test('disk full is 507, also when wrapped as a cause', () => {
  expect(httpStatusOf(enospc())).toBe(507);
  expect(httpStatusOf(new Error('upload failed', { cause: enospc() }))).toBe(507);
  expect(httpStatusOf(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }))).toBe(507);
  expect(knownAppError(enospc())?.code).toBe('insufficient_storage');
  expect(retryHeadersOf(enospc())).toHaveProperty('retry-after');
});

test('anything else keeps its status and gets no Retry-After', () => {
  expect(httpStatusOf(new Error('boom'))).toBe(500);
  expect(knownAppError(new Error('boom'))).toBeNull();
  expect(retryHeadersOf(new Error('boom'))).toEqual({});
  expect(retryHeadersOf(new AppError('not_found', 'x'))).toEqual({});
  expect(httpStatusOf(Object.assign(new Error('too large'), { statusCode: 413 }))).toBe(413);
});
