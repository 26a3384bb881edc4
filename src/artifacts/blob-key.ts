// Blob keys: relative, slash-separated, conservative characters, no "." or ".." segments, so a
// key can never name a file outside the store's root whatever the caller passes.
import path from 'node:path';
import { badRequest } from '../util/errors.js';

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const MAX_KEY_LENGTH = 512;

export function isValidBlobKey(key: string): boolean {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) return false;
  return key.split('/').every((segment) => SEGMENT.test(segment) && segment !== '.' && segment !== '..');
}

/** Absolute path of `key` under `root`; throws bad_request for a key that is not valid. */
export function resolveBlobPath(root: string, key: string): string {
  if (!isValidBlobKey(key)) throw badRequest(`invalid blob key: ${JSON.stringify(key)}`);
  const absRoot = path.resolve(root);
  const full = path.resolve(absRoot, ...key.split('/'));
  if (!full.startsWith(absRoot + path.sep)) throw badRequest(`invalid blob key: ${JSON.stringify(key)}`);
  return full;
}
