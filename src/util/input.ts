// Limits every HTTP edge applies to what it reads, so that a value the store cannot hold is a 400
// at the edge, not a database error: row ids are 32-bit integers (PostgreSQL `integer`), and text
// never contains NUL (PostgreSQL refuses U+0000 in text: "invalid byte sequence … 0x00").
import { badRequest } from './errors.js';

/** Largest row id (PostgreSQL `integer`). */
export const MAX_ROW_ID = 2_147_483_647;

const MAX_DEPTH = 32;

/** Throws a 400 when any string or key in `value` (JSON-like, nested) contains U+0000. */
export function rejectNul(value: unknown, what = 'the request'): void {
  const walk = (v: unknown, depth: number): void => {
    if (typeof v === 'string') {
      if (v.includes('\u0000')) throw badRequest(`${what} must not contain NUL (\\u0000) characters`);
      return;
    }
    if (!v || typeof v !== 'object' || depth > MAX_DEPTH) return;
    if (Array.isArray(v)) {
      for (const item of v) walk(item, depth + 1);
      return;
    }
    for (const [k, item] of Object.entries(v)) {
      walk(k, depth + 1);
      walk(item, depth + 1);
    }
  };
  walk(value, 0);
}
