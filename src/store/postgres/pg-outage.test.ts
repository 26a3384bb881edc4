// Which pg errors mean "the database is away" (503) and which are the statement's own (unchanged).
// The end-to-end proof (a real restart under load) is test/faults/pg-restart.test.ts.
import { expect, test } from 'vitest';
import { isPgOutage } from './pg-outage.js';

const err = (props: Record<string, unknown>) => Object.assign(new Error(String(props.message ?? 'x')), props);

test('connection-level errors are outages', () => {
  expect(isPgOutage(err({ code: '57P01', message: 'terminating connection due to administrator command' }))).toBe(true);
  expect(isPgOutage(err({ code: '57P03', message: 'the database system is starting up' }))).toBe(true);
  expect(isPgOutage(err({ code: '08006' }))).toBe(true);
  expect(isPgOutage(err({ code: '08P01' }))).toBe(true);
  expect(isPgOutage(err({ code: 'ECONNREFUSED' }))).toBe(true);
  expect(isPgOutage(err({ code: 'ECONNRESET' }))).toBe(true);
  expect(isPgOutage(new Error('Connection terminated unexpectedly'))).toBe(true);
  expect(isPgOutage(new Error('Client has encountered a connection error and is not queryable'))).toBe(true);
  expect(isPgOutage(Object.assign(new AggregateError([err({ code: 'ECONNREFUSED' })]), {}))).toBe(true);
});

test("a statement's own errors are not", () => {
  expect(isPgOutage(err({ code: '23505', message: 'duplicate key value violates unique constraint' }))).toBe(false);
  expect(isPgOutage(err({ code: '40P01', message: 'deadlock detected' }))).toBe(false);
  expect(isPgOutage(err({ code: '40001' }))).toBe(false);
  expect(isPgOutage(err({ code: '42P01', message: 'relation "x" does not exist' }))).toBe(false);
  expect(isPgOutage(new Error('boom'))).toBe(false);
  expect(isPgOutage(null)).toBe(false);
});
