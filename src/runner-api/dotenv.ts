// dotenv report artifacts (artifacts:reports:dotenv), parsed as GitLab does: one KEY=VALUE per
// line, keys of letters/digits/underscore, optional surrounding quotes stripped, blank lines and
// "#" comments skipped; at most 5 KiB and 20 variables (GitLab's defaults); anything else is an
// error and the upload is refused with 400.
import { badRequest } from '../util/errors.js';
import type { PipelineVariable } from '../engine/model.js';

export const DOTENV_MAX_BYTES = 5 * 1024;
export const DOTENV_MAX_VARIABLES = 20;

export function parseDotenv(data: Buffer): PipelineVariable[] {
  if (data.length > DOTENV_MAX_BYTES) throw badRequest(`dotenv report is larger than ${DOTENV_MAX_BYTES} bytes`);
  const text = data.toString('utf8').replace(/^\uFEFF/, '');
  const vars = new Map<string, string>();
  for (const [index, rawLine] of text.split(/\r?\n/).entries()) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    // NUL is no text a variable can hold (nor PostgreSQL).
    if (!m || m[2].includes('\u0000')) throw badRequest(`dotenv report: invalid line ${index + 1}`);
    let value = m[2];
    if (value.length >= 2 && ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))) {
      value = value.slice(1, -1);
    }
    vars.delete(m[1]);
    vars.set(m[1], value);
  }
  if (vars.size > DOTENV_MAX_VARIABLES) throw badRequest(`dotenv report has more than ${DOTENV_MAX_VARIABLES} variables`);
  return [...vars.entries()].map(([key, value]) => ({ key, value }));
}
