// A small JSON parser that keeps what JSON.parse throws away and Go's decoder looks at: the
// literal text of numbers (Go rejects 1.0 or 1e3 for an int field) and the order of object keys
// (with duplicate keys, the last one wins). Strings, booleans and null are ordinary JS values.

export class JsonNumber {
  constructor(readonly raw: string) {}
}

export class JsonObject {
  constructor(readonly entries: [string, RawJson][]) {}
}

export type RawJson = null | boolean | string | JsonNumber | RawJson[] | JsonObject;

export class JsonSyntaxError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at offset ${offset}`);
    this.name = 'JsonSyntaxError';
  }
}

const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

export function parseRawJson(text: string): RawJson {
  let i = 0;
  const fail = (msg: string): never => {
    throw new JsonSyntaxError(msg, i);
  };
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const value = (depth: number): RawJson => {
    if (depth > 10_000) fail('exceeded max depth');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const entries: [string, RawJson][] = [];
      ws();
      if (text[i] === '}') {
        i++;
        return new JsonObject(entries);
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected string key');
        const key = string();
        ws();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        entries.push([key, value(depth + 1)]);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return new JsonObject(entries);
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const items: RawJson[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return items;
      }
      for (;;) {
        items.push(value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return items;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    if (text.startsWith('true', i)) return (i += 4), true;
    if (text.startsWith('false', i)) return (i += 5), false;
    if (text.startsWith('null', i)) return (i += 4), null;
    NUMBER.lastIndex = i;
    const num = NUMBER.exec(text);
    if (!num) fail('invalid character');
    i += num![0].length;
    return new JsonNumber(num![0]);
  };
  const string = (): string => {
    const start = i;
    let escaped = false;
    i++;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) fail('control character in string');
      if (c === 0x5c) {
        escaped = true;
        i++;
      }
      i++;
    }
    i++;
    // without a backslash the text between the quotes is the string itself
    if (!escaped) return text.slice(start + 1, i - 1);
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail('invalid string escape');
    }
  };
  const result = value(0);
  ws();
  if (i !== text.length) fail('invalid character after top-level value');
  return result;
}
