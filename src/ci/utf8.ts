// Strict UTF-8 for configuration files read as bytes: GitLab (Ruby, Psych/libyaml) refuses a file
// with an invalid byte sequence instead of reading it with U+FFFD in place of the bytes.
const fatal = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

export type Decoded = { ok: true; text: string } | { ok: false; prefix: string; bytes: string; message: string };

/** Decodes `data` as UTF-8 (a BOM is dropped); on the first invalid byte, the text before it and why. */
export function decodeUtf8(data: Uint8Array): Decoded {
  try {
    return { ok: true, text: fatal.decode(data) };
  } catch {
    const { offset, length, message } = firstInvalid(data);
    const bytes = [...data.subarray(offset, offset + length)].map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');
    return { ok: false, prefix: lenient.decode(data.subarray(0, offset)), bytes, message };
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence (RFC 3629). */
function firstInvalid(b: Uint8Array): { offset: number; length: number; message: string } {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min = 0x80;
    let max = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) min = 0xa0;
      if (c === 0xed) max = 0x9f; // no UTF-16 surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) min = 0x90;
      if (c === 0xf4) max = 0x8f;
    } else return { offset: i, length: 1, message: 'invalid leading UTF-8 octet' };
    for (let k = 1; k <= need; k++) {
      if (i + k >= b.length) return { offset: i, length: k, message: 'incomplete UTF-8 octet sequence' };
      const n = b[i + k];
      if (n < (k === 1 ? min : 0x80) || n > (k === 1 ? max : 0xbf)) return { offset: i, length: k + 1, message: 'invalid trailing UTF-8 octet' };
    }
    i += need + 1;
  }
  return { offset: b.length, length: 0, message: 'invalid byte sequence' };
}
