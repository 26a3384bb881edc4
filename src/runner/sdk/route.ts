// Picking the handler for a job. In order: by job name, by tag, by the first word of each
// script line (each line is then one command call), then the default.
//
// Tags: GitLab's payload does not carry the job's tags; what it carries is the runner's tags
// (CI_RUNNER_TAGS, a JSON array). A job reaches a runner only if the runner has all its tags,
// so tag routing means "this runner's tags": run one runner per tag (one token each) with the
// same route, and each picks the handler of its own tag.
import type { DecodedJob } from '../network/job-payload.js';
import type { CommandHandler, JobHandler } from './handler.js';

export interface RouteMap {
  byName?: Record<string, JobHandler>;
  byTag?: Record<string, JobHandler>;
  byCommand?: Record<string, CommandHandler>;
  default?: JobHandler;
}

export type Route = RouteMap | ((job: DecodedJob) => JobHandler | undefined);

export type Resolved =
  | { kind: 'job'; handler: JobHandler; via: string }
  | { kind: 'commands'; calls: { line: string; command: string; args: string[]; handler: CommandHandler }[] }
  | { kind: 'none'; why: string };

export function runnerTags(job: DecodedJob): string[] {
  const raw = job.variables.filter((x) => x.key === 'CI_RUNNER_TAGS').at(-1)?.value ?? '';
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (Array.isArray(parsed)) return parsed.map(String);
  } catch {}
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Splits a script line into words: whitespace-separated, '…' and "…" quoting, backslash escapes. */
export function splitWords(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else cur += c;
  }
  if (quote) throw new Error(`unterminated quote in: ${line}`);
  if (has || cur) out.push(cur);
  return out;
}

export function resolveRoute(route: Route, job: DecodedJob, expand: (s: string) => string = (s) => s): Resolved {
  if (typeof route === 'function') {
    const h = route(job);
    return h ? { kind: 'job', handler: h, via: 'route function' } : { kind: 'none', why: 'the route function found no handler' };
  }
  const byName = route.byName?.[job.job_info.name];
  if (byName) return { kind: 'job', handler: byName, via: `name ${job.job_info.name}` };
  for (const tag of runnerTags(job)) {
    const h = route.byTag?.[tag];
    if (h) return { kind: 'job', handler: h, via: `tag ${tag}` };
  }
  if (route.byCommand) {
    const lines = job.steps.filter((s) => s.name === 'script').flatMap((s) => s.script).filter((l) => l.trim() !== '');
    const calls: Extract<Resolved, { kind: 'commands' }>['calls'] = [];
    let unknown: string | null = null;
    for (const line of lines) {
      const words = splitWords(line).map(expand);
      const handler = words.length ? route.byCommand[words[0]] : undefined;
      if (!handler) {
        unknown = words[0] ?? line;
        break;
      }
      calls.push({ line, command: words[0], args: words.slice(1), handler });
    }
    if (!unknown && calls.length) return { kind: 'commands', calls };
    if (!route.default) return { kind: 'none', why: unknown ? `unknown command "${unknown}"` : 'the job has no script lines' };
  }
  if (route.default) return { kind: 'job', handler: route.default, via: 'default' };
  return { kind: 'none', why: `no handler for job "${job.job_info.name}"` };
}
