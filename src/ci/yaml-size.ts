// GitLab's limit on the parsed YAML (Gitlab::Config::Loader::Yaml with Gitlab::Utils::DeepSize):
// the loaded value may use at most `max_yaml_size_bytes` of memory (default 2 MB) and nest at
// most `max_yaml_depth` collections (default 100); aliases count each time they are used.
// Beyond either: "The parsed YAML is too big". Ruby's ObjectSpace.memsize_of is estimated here
// from below (so a file GitLab accepts is accepted here too):
//   string 40 bytes (+ its bytes beyond 24), number / boolean / null 0, array or hash 40 + 8 or
//   16 bytes per entry.
// `prescan` applies the same bounds to the token stream before the (much slower) parse, so a
// file that is obviously too big or too deep is refused without building it.
import { CST, Lexer } from 'yaml';

export const MAX_YAML_SIZE_BYTES = 2 * 1024 * 1024;
export const MAX_YAML_DEPTH = 100;
export const TOO_BIG = 'The parsed YAML is too big';

const RUBY_OBJECT = 40;

export function stringSize(length: number): number {
  return RUBY_OBJECT + Math.max(0, length - 24);
}

export function collectionSize(entries: number, isMap: boolean): number {
  return RUBY_OBJECT + entries * (isMap ? 16 : 8);
}

/** Plain scalars that may load as a number, a boolean or null (memsize 0 in Ruby), or are a merge key: counted as 0. */
export const MAYBE_IMMEDIATE = /^(?:<<|[-+]?[\d._:,]*\d[\d._:,eE+-]*|[-+]?0[xXoObB][\da-fA-F_]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|[yYnN])$/;

/** Texts below this are parsed directly: too few tokens to pass the size bound, and depth is checked after the parse. */
export const PRESCAN_FROM = 64 * 1024;

/**
 * A lower bound of the parsed size and the flow nesting depth, from the tokens. Returns the
 * character offset where a limit is passed, or -1.
 */
export function prescan(text: string, maxBytes = MAX_YAML_SIZE_BYTES, maxDepth = MAX_YAML_DEPTH, from = PRESCAN_FROM): number {
  if (text.length < from) return -1;
  let offset = 0;
  let size = 0;
  let depth = 0;
  let scalarNext = false;
  for (const token of new Lexer().lex(text)) {
    const at = offset;
    if (token === '\x02' || token === '\x18') continue; // control tokens: not in the source
    if (token === '\x1f') {
      scalarNext = true;
      continue;
    }
    offset += token.length;
    if (scalarNext) {
      scalarNext = false;
      // Plain or block scalar content; multi-line text may fold shorter: its length is not counted.
      size += token.includes('\n') ? RUBY_OBJECT : MAYBE_IMMEDIATE.test(token) ? 0 : stringSize(token.length);
    } else {
      const type = CST.tokenType(token);
      if (type === 'doc-start' || type === 'doc-end') {
        size = 0; // each document is loaded (and bounded) on its own
        depth = 0;
      } else if (type === 'flow-seq-start' || type === 'flow-map-start') {
        size += RUBY_OBJECT;
        if (++depth > maxDepth) return at;
      } else if (type === 'flow-seq-end' || type === 'flow-map-end') depth = Math.max(0, depth - 1);
      else if (type === 'single-quoted-scalar' || type === 'double-quoted-scalar') {
        // An escape is at most 4 source characters per byte.
        size += token.includes('\n') ? RUBY_OBJECT : stringSize(Math.floor((token.length - 2) / 4));
      }
    }
    if (size > maxBytes) return at;
  }
  return -1;
}
