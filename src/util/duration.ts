// Human durations as GitLab writes them: "1h 30m", "2 days", "90", "1 week", "3 mins 4 sec".
const UNIT_SECONDS: [RegExp, number][] = [
  [/^(s|sec|secs|second|seconds)$/, 1],
  [/^(m|min|mins|minute|minutes)$/, 60],
  [/^(h|hr|hrs|hour|hours)$/, 3600],
  [/^(d|day|days)$/, 86400],
  [/^(w|wk|wks|week|weeks)$/, 604800],
  [/^(mo|mos|month|months)$/, 2592000],
  [/^(y|yr|yrs|year|years)$/, 31536000],
];

/** Seconds, or null when the text is not a duration. A bare number is seconds. */
export function parseDuration(text: string | number): number | null {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? Math.round(text) : null;
  const s = text.trim().toLowerCase();
  if (s === '') return null;
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s));
  const re = /(\d+(?:\.\d+)?)\s*([a-z]+)\s*(?:and\s*|,\s*)?/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    const unit = UNIT_SECONDS.find(([r]) => r.test(m![2]));
    if (!unit) return null;
    total += Number(m[1]) * unit[1];
    matched = re.lastIndex;
  }
  if (matched !== s.length) return null;
  return Math.round(total);
}
