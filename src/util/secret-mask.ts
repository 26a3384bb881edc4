// Masking of secret values in bytes (job logs, test output): each occurrence of a secret of at
// least 8 bytes becomes "[MASKED]" padded with "*" to the secret's byte length, so offsets stay
// those of the original. Used by api/ (trace-mask.ts) and rest/.
export interface TraceMasker {
  /** Longest secret in bytes (0 = nothing to mask). */
  readonly maxLength: number;
  /** Masks `buf` in place; returns it. */
  mask(buf: Buffer): Buffer;
}

const MIN_SECRET = 8;

export function createMasker(secrets: readonly string[]): TraceMasker {
  const needles = [...new Set(secrets.filter((s) => Buffer.byteLength(s) >= MIN_SECRET))]
    .map((s) => Buffer.from(s, 'utf8'))
    .sort((a, b) => b.length - a.length);
  const maxLength = needles.reduce((m, n) => Math.max(m, n.length), 0);
  return {
    maxLength,
    mask(buf: Buffer): Buffer {
      for (const needle of needles) {
        const replacement = Buffer.from('[MASKED]'.padEnd(needle.length, '*').slice(0, needle.length), 'utf8');
        let at = buf.indexOf(needle);
        while (at >= 0) {
          replacement.copy(buf, at);
          at = buf.indexOf(needle, at + needle.length);
        }
      }
      return buf;
    },
  };
}

/** The masker for strings (e.g. a test case's output). */
export function maskText(masker: TraceMasker, text: string): string {
  return masker.maxLength === 0 ? text : masker.mask(Buffer.from(text, 'utf8')).toString('utf8');
}
