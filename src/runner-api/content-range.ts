// Content-Range of a trace PATCH: "<start>-<end>", both byte offsets, end INCLUSIVE (the runner
// sends no "bytes " prefix and no "/total"; both are tolerated).
export interface ContentRange {
  start: number;
  end: number;
}

export function parseContentRange(header: string | string[] | undefined): ContentRange | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return null;
  const m = /^\s*(?:bytes[ =])?(\d{1,15})-(\d{1,15})(?:\/(?:\d+|\*))?\s*$/.exec(value);
  if (!m) return null;
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (end < start) return null;
  return { start, end };
}
