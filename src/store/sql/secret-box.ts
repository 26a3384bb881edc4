// Encryption of secret column values at rest (CI/CD variable values, pipeline, play and dotenv
// variables): AES-256-GCM, a random 96-bit IV per value, the column name as associated data (a
// value copied into another column does not decrypt). Stored form, all base64:
//   gcdenc:v1:<iv>:<tag>:<ciphertext>
// A value without the `gcdenc:` prefix is plaintext written before encryption (it is encrypted
// by the sweep at the next open). The ports give and take plaintext: only the SQL adapter sees
// the stored form.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'gcdenc:';
const V1 = 'gcdenc:v1:';

/** Thrown for a missing or wrong secret key: never hand out garbage instead of a value. */
export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

export interface SecretBox {
  /** A short public fingerprint of the key (HMAC of a constant), to tell keys apart in errors. */
  readonly keyId: string;
  seal(plain: string, column: string): string;
  open(stored: string, column: string): string;
}

export const isSealed = (stored: string): boolean => stored.startsWith(PREFIX);

export function keyIdOf(key: Buffer): string {
  return createHmac('sha256', key).update('gitlab-ci-dispatcher key id').digest('hex').slice(0, 16);
}

export function secretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new SecretKeyError(`the secret key must be 32 bytes, got ${key.length}`);
  const keyId = keyIdOf(key);
  return {
    keyId,
    seal(plain, column) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(column));
      const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${V1}${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
    },
    open(stored, column) {
      if (!isSealed(stored)) return stored;
      if (!stored.startsWith(V1)) throw new SecretKeyError(`${column}: unknown encryption format ${stored.slice(0, 12)}… (written by a newer version?)`);
      const parts = stored.slice(V1.length).split(':');
      if (parts.length !== 3) throw new SecretKeyError(`${column}: malformed encrypted value`);
      const [iv, tag, ct] = parts.map((p) => Buffer.from(p, 'base64'));
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv);
        decipher.setAAD(Buffer.from(column));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretKeyError(`${column}: cannot decrypt a stored value with the secret key ${keyId}: the data was encrypted with another key, or the value is corrupt`);
      }
    },
  };
}

/** Without a key (embedded tests, legacy): plaintext in and out; an encrypted value is an error. */
export const plainBox: SecretBox = {
  keyId: 'none',
  seal: (plain) => plain,
  open(stored, column) {
    if (isSealed(stored)) throw new SecretKeyError(`${column}: the value is encrypted but no secret key was given`);
    return stored;
  },
};

/** JSON list columns: an empty list holds no secret and stays `[]` (no decryption on hot reads). */
export function sealList(box: SecretBox, list: unknown[], column: string): string {
  return list.length ? box.seal(JSON.stringify(list), column) : '[]';
}

export function openList<T>(box: SecretBox, stored: string, column: string): T[] {
  return stored === '[]' ? [] : (JSON.parse(box.open(stored, column)) as T[]);
}
