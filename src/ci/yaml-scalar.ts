// What both YAML readers share (yaml-load.ts with the `yaml` package, yaml-fast.ts by hand): the
// parse options, and how a scalar the `yaml` package resolved becomes the value Psych (GitLab's
// YAML parser) would have loaded.

export const referenceTag = { tag: '!reference', collection: 'seq' as const, resolve: (v: unknown) => v };

export const YAML_OPTIONS = {
  version: '1.1' as const,
  merge: false,
  uniqueKeys: false,
  customTags: [referenceTag],
  prettyErrors: false,
  strict: false,
};

/** Plain scalars Psych reads as numbers; others stay strings (".e0", "1e5"). */
const PSYCH_NUMBER =
  /^(?:[-+]?0b[01_,]+|[-+]?0[0-7_,]+|[-+]?(?:0|[1-9](?:[0-9]|,[0-9]|_[0-9])*)|[-+]?0x[0-9a-fA-F_,]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+|[-+]?(?:[0-9][0-9_,]*)?\.[0-9]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

/**
 * The loaded value of a scalar: `value` as the `yaml` package resolved it, `source` its text,
 * `plainUntagged` for a plain scalar without a tag.
 */
export function psychScalar(value: unknown, source: unknown, plainUntagged: boolean): unknown {
  if (typeof value === 'boolean' && typeof source === 'string' && /^[yYnN]$/.test(source)) return source; // Psych keeps y/n
  if (value instanceof Date) return typeof source === 'string' ? source : value.toISOString();
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' && typeof source === 'string' && plainUntagged && !PSYCH_NUMBER.test(source)) return source;
  if (typeof value === 'symbol') return '<<';
  if (value === undefined) return null;
  return value;
}

/** A scalar written as a float with an integral value (`2.0`): printed "2.0" later. */
export function isFloatText(value: unknown, source: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && typeof source === 'string' && /^[-+]?(\d[\d_]*)?\.\d*([eE][-+]?\d+)?$/.test(source);
}
