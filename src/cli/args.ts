// Argument helpers shared by the commands. A UsageError means the command line itself is wrong
// (exit 2).
export class UsageError extends Error {}

/** commander accumulator for repeatable options (--variable K=V --variable …). */
export const collect = (value: string, previous: string[]) => [...previous, value];

export function parseKeyValues(list: readonly string[], flag = '--variable'): { key: string; value: string }[] {
  return list.map((kv) => {
    const i = kv.indexOf('=');
    if (i <= 0) throw new UsageError(`${flag} expects K=V, got ${kv}`);
    return { key: kv.slice(0, i), value: kv.slice(i + 1) };
  });
}
