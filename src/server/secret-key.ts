// The key that encrypts secret values at rest (CI/CD variables, pipeline, play and dotenv
// variables; see store/sql/secret-box.ts). Like GitLab's gitlab-secrets.json: created at the first
// start in the data directory (`secret.key`, mode 0600, 32 random bytes in base64), or given as
// GCD_SECRET_KEY / config `secretKey` (32 bytes as 64 hex digits or base64), which then wins and
// no file is written. Every node of one database needs the same key. The key is never logged.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../util/errors.js';

export const SECRET_KEY_FILE = 'secret.key';

/** 32 bytes from 64 hex digits or base64 (standard or URL-safe); a clear error otherwise. */
export function parseSecretKey(text: string, from: string): Buffer {
  const t = text.trim();
  let key: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(t)) key = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) key = Buffer.from(t, 'base64');
  if (!key || key.length !== 32)
    throw new AppError('invalid_config', `${from} must be 32 bytes as 64 hex digits or base64 (e.g. \`openssl rand -base64 32\`)`);
  return key;
}

export interface SecretKey {
  key: Buffer;
  /** Where it came from, for error messages (never the key itself). */
  source: string;
}

/** `configured`: GCD_SECRET_KEY or config `secretKey`; otherwise the key file, created if missing. */
export function loadSecretKey(opts: { dataDir: string; configured: string | null }): SecretKey {
  if (opts.configured) return { key: parseSecretKey(opts.configured, 'GCD_SECRET_KEY (config secretKey)'), source: 'GCD_SECRET_KEY or config secretKey' };
  const file = path.join(opts.dataDir, SECRET_KEY_FILE);
  if (!existsSync(file)) {
    // write a temporary file, then link it in: of nodes starting at once on one data directory,
    // one creates the key and the others read that complete file
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(tmp, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    try {
      linkSync(tmp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(tmp);
    }
  }
  if (statSync(file).mode & 0o077) chmodSync(file, 0o600);
  return { key: parseSecretKey(readFileSync(file, 'utf8'), file), source: file };
}
