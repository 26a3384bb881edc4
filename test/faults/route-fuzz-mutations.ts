// The request generator of route-fuzz.test.ts: from a route (method + fastify URL pattern) and a
// seeded random source, one valid request (tokens, ids, a body for the routes we know) with 1-3
// mutations. Unknown routes still get hostile path parameters, queries, headers and bodies.
import { rng } from '../../src/ci/test-support/rng.js';

export type Rng = () => number;

/** A small seeded PRNG (mulberry32): same seed, same sequence. */
export const mulberry32: (seed: number) => Rng = rng;

export interface FuzzState {
  url: string;
  admin: string;
  user: string;
  registration: string;
  runnerToken(): string;
  runnerId(): number;
  projectId: number;
  projectPath: string;
  pipelineId: number;
  artifactJobId: number;
  variableId: number;
  liveJob(): { id: number; token: string };
  refreshLiveJob(): Promise<void>;
  /** Re-creates or resumes the runner when the fuzz deleted or paused it. */
  refreshRunner(): Promise<void>;
  setRunnerToken(token: string): void;
}

export interface FuzzRequest {
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** What was mutated, for the failure report. */
  note: string;
}

type Json = Record<string, unknown>;

const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)];
const chance = (rng: Rng, p: number) => rng() < p;

const HOSTILE_PARAMS = ['2147483648', '999999999999999', 'a%00b', '-1', '0', '1e99', '99999999999999999999', '1.5', 'abc', '..%2F..%2Fetc%2Fpasswd', '..', '%2e%2e', '%00', '%ZZ', '%E2%82%AC', '%F0%9F%92%A9', 'x'.repeat(3000), '1%20', '%20', 'NaN', 'Infinity', '0x10', '%2F', '9'.repeat(400)];
const HOSTILE_QUERY = ['\u0000', 'a\u0000b', '2147483648', '999999999999999', '-1', '0', '1e99', 'abc', '', '../../x', 'x'.repeat(5000), '%00', 'true', '99999999999999999999', '[]', '-0', 'NaN', '\u00e9\u00e8', '💩'];
const QUERY_KEYS = ['limit', 'before', 'beforeId', 'offset', 'start', 'path', 'download', 'project', 'pipeline', 'job', 'status', 'ref', 'direct_download', 'token', 'artifact_type', 'artifact_format', 'expire_in', 'debug_trace', 'traces', 'tag', 'source', 'variable', 'service'];
const WEIRD: readonly unknown[] = [
  null, true, false, 0, -1, -5, 1.5, 2 ** 31, 2 ** 53 + 1, 1e308, -1e308, '', ' ', 'true', 'NaN', '-1', '1e99', '../../etc/passwd',
  '\u0000', '\ud800', '💩'.repeat(500), 'x'.repeat(100_000), [], [1, 'a', null], {}, { a: { b: { c: [] } } }, '<script>alert(1)</script>', "' OR 1=1 --",
];
const BAD_JSON = ['{', '{"token": ', 'NaN', '{"a":1,}', '[1,2', '"\\ud800', '{"a":"\\u00"}', '\u0000', '{"__proto__":{"polluted":1}}', '{"a":' + '['.repeat(5000), '1e99999'];
const WRONG_TYPES = ['text/plain', 'application/xml', 'application/octet-stream', 'image/png', 'application/json; charset=utf-16', 'multipart/form-data', 'application/x-www-form-urlencoded', 'application/x-gzip', 'text/event-stream', '*/*', 'application/json; boundary=x'];
const BAD_RANGES = ['', 'abc', '5-3', '-1-5', '1e99-2', '0-99999999999999999999', 'bytes 0-5/10', '0-', '-', '0--1', ' 0-1', '18446744073709551616-18446744073709551617', '1-1-1', '0-0,5-6'];
const BAD_HTTP_RANGES = ['bytes=5-1', 'bytes=-0', 'bytes=99999999999999-', 'bytes=0-0,2-3', 'bytes=abc', 'items=0-1', 'bytes=-99999999999999999999', 'bytes=0-18446744073709551616'];

/** A fresh copy of a weird value (objects are mutated later). */
const weird = (rng: Rng): unknown => structuredClone(pick(rng, WEIRD));

const RUNNER_INFO = { name: 'gitlab-runner', version: '18.5.0', revision: 'abcdef12', platform: 'linux', architecture: 'amd64', executor: 'shell', shell: 'bash', features: { cancelable: true, trace_checksum: true }, config: { gpus: '' } };

/** A valid body per route, for the routes whose body we know; {} for the others. */
function template(key: string, s: FuzzState): Json {
  const live = s.liveJob();
  switch (key) {
    case 'POST /api/v4/runners':
      return { token: s.registration, description: 'fuzz', tag_list: 'a,b', run_untagged: true, locked: false, paused: false, access_level: 'not_protected', maximum_timeout: 3600, info: RUNNER_INFO };
    case 'POST /api/v4/runners/verify':
    case 'DELETE /api/v4/runners/managers':
      return { token: s.runnerToken(), system_id: 's_fuzz00000001', info: RUNNER_INFO };
    case 'DELETE /api/v4/runners':
    case 'POST /api/v4/runners/reset_authentication_token':
      return { token: s.runnerToken() };
    case 'POST /api/v4/jobs/request':
      return { token: s.runnerToken(), system_id: 's_fuzz00000001', info: RUNNER_INFO, last_update: 'x' };
    case 'PUT /api/v4/jobs/:id':
      return { token: live.token, state: 'running', failure_reason: 'script_failure', exit_code: 1, checksum: 'crc32:00000000', output: { checksum: 'crc32:00000000', bytesize: 0 }, info: RUNNER_INFO };
    case 'POST /api/ui/runners':
    case 'PATCH /api/ui/runners/:id':
      return { description: 'fuzz', tags: ['a', 'b'], runUntagged: true, locked: false, paused: false, accessLevel: 'not_protected', maximumTimeout: 3600 };
    case 'POST /api/ui/variables':
      return { key: 'FUZZ_VAR', value: 'value-12345', masked: false, protected: false, file: false, raw: false, project: s.projectPath };
    case 'POST /api/ui/session':
      return { token: s.admin };
    case 'POST /api/ui/jobs/:id/play':
      return { variables: [{ key: 'A', value: 'b' }] };
    default:
      return {};
  }
}

function validParam(rng: Rng, name: string, url: string, s: FuzzState): string {
  if (name === 'id') {
    if (url.includes('/jobs/:id')) return String(url.startsWith('/api/v4') || chance(rng, 0.5) ? s.liveJob().id : s.artifactJobId);
    if (url.includes('/pipelines/:id')) return String(s.pipelineId);
    if (url.includes('/runners/:id')) return String(s.runnerId());
    if (url.includes('/variables/:id')) return String(s.variableId);
    return String(s.projectId);
  }
  if (name === 'artifact') return pick(rng, ['archive', 'archive', '1', 'junit', 'dotenv']);
  if (name === 'project') return pick(rng, [String(s.projectId), encodeURIComponent(s.projectPath), s.projectPath]);
  return '1';
}

function pathOf(rng: Rng, url: string, s: FuzzState, notes: string[]): string {
  let p = url.replace(/:(\w+)/g, (_m, name: string) => {
    if (chance(rng, 0.2)) {
      const v = pick(rng, HOSTILE_PARAMS);
      notes.push(`:${name}=${v.slice(0, 20)}`);
      return v;
    }
    if (url.includes('/artifacts') && name === 'id' && url.startsWith('/api/ui')) return String(s.artifactJobId);
    return validParam(rng, name, url, s);
  });
  p = p.replace(/\*/g, chance(rng, 0.5) ? 'x/y' : '..%2F..');
  return p;
}

/** Mutates a JSON object in place 1-3 times; may replace it by a scalar or an array. */
function mutateJson(rng: Rng, body: Json, notes: string[]): unknown {
  let out: unknown = body;
  // 15 % stay valid: the happy path must keep working between the broken requests.
  const n = chance(rng, 0.15) ? 0 : 1 + Math.floor(rng() * 3);
  for (let i = 0; i < n; i++) {
    const obj = out && typeof out === 'object' && !Array.isArray(out) ? (out as Json) : null;
    const keys = obj ? Object.keys(obj) : [];
    const r = rng();
    if (obj && keys.length && r < 0.45) {
      const k = pick(rng, keys);
      const inner = obj[k];
      if (inner && typeof inner === 'object' && !Array.isArray(inner) && chance(rng, 0.5)) {
        const ik = pick(rng, [...Object.keys(inner), 'extra']);
        (inner as Json)[ik] = weird(rng);
        notes.push(`${k}.${ik}=weird`);
      } else {
        obj[k] = weird(rng);
        notes.push(`${k}=${JSON.stringify(obj[k])?.slice(0, 24)}`);
      }
    } else if (obj && keys.length && r < 0.65) {
      const k = pick(rng, keys);
      delete obj[k];
      notes.push(`-${k}`);
    } else if (obj && r < 0.9) {
      const k = pick(rng, ['__proto__', 'constructor', 'extra', 'x'.repeat(300), '💩', '', 'token', 'state', 'id']);
      Object.defineProperty(obj, k, { value: weird(rng), enumerable: true, configurable: true, writable: true });
      notes.push(`+${k.slice(0, 12)}`);
    } else {
      out = weird(rng);
      notes.push(`body=${JSON.stringify(out)?.slice(0, 24)}`);
    }
  }
  return out;
}

/** Rack-style form fields of a JSON object (info[name]=…, tag_list[]=…). */
function formPairs(value: unknown, prefix = ''): [string, string][] {
  if (value === null || value === undefined) return prefix ? [[prefix, '']] : [];
  if (Array.isArray(value)) return value.flatMap((v) => formPairs(v, `${prefix}[]`));
  if (typeof value === 'object') return Object.entries(value as Json).flatMap(([k, v]) => formPairs(v, prefix ? `${prefix}[${k}]` : k));
  return [[prefix || 'value', String(value)]];
}

function multipartOf(rng: Rng, pairs: [string, string][], file?: { name: string; filename: string; data: Uint8Array }): { body: Uint8Array; type: string } {
  const boundary = `----fuzz${Math.floor(rng() * 1e9)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of pairs) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k.replace(/"/g, '')}"\r\n\r\n${v}\r\n`));
  if (file) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`), Buffer.from(file.data), Buffer.from('\r\n'));
  const broken = chance(rng, 0.25);
  if (!broken) parts.push(Buffer.from(`--${boundary}--\r\n`));
  const type = chance(rng, 0.1) ? 'multipart/form-data' : `multipart/form-data; boundary=${boundary}`;
  return { body: new Uint8Array(Buffer.concat(parts)), type };
}

function randomText(rng: Rng, max: number): string {
  const alphabet = ['a', 'Z', '0', ' ', '\n', '\r', '\u001b[31m', 'é', '💩', '\u0000', '\ud800', 'section_start:1:x\r\u001b[0K', '\t'];
  const n = Math.floor(rng() * max);
  let s = '';
  for (let i = 0; i < n; i++) s += pick(rng, alphabet);
  return s;
}

function authHeaders(rng: Rng, url: string, s: FuzzState, notes: string[]): Record<string, string> {
  const wrong = chance(rng, 0.1);
  if (url.startsWith('/api/v4/jobs/:id')) {
    const token = wrong ? pick(rng, ['', 'glcbt-wrong', s.runnerToken(), s.admin, 'x'.repeat(5000), '\u00e9']) : s.liveJob().token;
    if (wrong) notes.push('job-token=wrong');
    return token ? { 'job-token': token } : {};
  }
  if (url.startsWith('/api/v4')) {
    if (wrong) notes.push('runner-token=wrong');
    return { 'runner-token': wrong ? pick(rng, ['glrt-wrong', s.admin, 'y'.repeat(5000)]) : s.runnerToken(), 'private-token': s.admin };
  }
  if (wrong) {
    notes.push('auth=other');
    return pick<Record<string, string>>(rng, [{}, { authorization: `Bearer ${s.user}` }, { authorization: 'Bearer nope' }, { authorization: 'Basic Zm9vOmJhcg==' }, { cookie: `gcd_token=${s.admin}` }, { 'private-token': 'x'.repeat(4000) }, { cookie: 'gcd_token=%ZZ' }]);
  }
  return { authorization: `Bearer ${s.admin}` };
}

function queryOf(rng: Rng, key: string, s: FuzzState, notes: string[]): string {
  const q = new URLSearchParams();
  if (key.endsWith('/artifacts/:artifact/file')) q.set('path', pick(rng, ['a.txt', 'dir/b.json', 'dir/', 'missing']));
  if (key === 'POST /api/v4/jobs/:id/artifacts') {
    q.set('artifact_type', pick(rng, ['archive', 'archive', 'dotenv', 'junit']));
    q.set('artifact_format', pick(rng, ['zip', 'zip', 'gzip', 'raw', 'raw']));
    if (chance(rng, 0.3)) q.set('expire_in', pick(rng, ['1 day', 'never', '-1 week', '99999999999 years', 'soon']));
  }
  if (key === 'POST /api/ui/pipelines') q.set('project', pick(rng, [s.projectPath, 'a/b', '../x', '']));
  if (key === 'GET /api/v4/jobs/:id/artifacts' && chance(rng, 0.5)) q.set('direct_download', 'true');
  let extra = '';
  if (chance(rng, 0.4)) {
    const n = 1 + Math.floor(rng() * 2);
    for (let i = 0; i < n; i++) {
      const k = pick(rng, QUERY_KEYS);
      const v = pick(rng, HOSTILE_QUERY);
      q.append(k, v);
      notes.push(`?${k}=${v.slice(0, 12)}`);
    }
  }
  if (chance(rng, 0.05)) {
    extra = pick(rng, ['&limit=%ZZ', '&a[b]=1&a=2', '&' + 'k=v&'.repeat(2000), '&path=%00', '&__proto__[x]=1']);
    notes.push('?raw');
  }
  const text = q.toString() + extra;
  return text ? `?${text.replace(/^&/, '')}` : '';
}

/** One mutated request for `route`. */
export function fuzzRequest(rng: Rng, route: { method: string; url: string }, s: FuzzState): FuzzRequest {
  const notes: string[] = [];
  const key = `${route.method} ${route.url}`;
  const path = pathOf(rng, route.url, s, notes) + queryOf(rng, key, s, notes);
  const headers: Record<string, string> = { 'user-agent': 'gitlab-runner 18.5.0 fuzz', ...authHeaders(rng, route.url, s, notes) };
  if (chance(rng, 0.1)) {
    const [h, v] = pick(rng, [['range', pick(rng, BAD_HTTP_RANGES)], ['content-range', pick(rng, BAD_RANGES)], ['x-request-id', 'r'.repeat(2000)], ['accept', 'application/xml'], ['if-none-match', '*'], ['x-requested-with', 'x']] as [string, string][]);
    headers[h] = v;
    notes.push(`${h}:${v.slice(0, 16)}`);
  }
  if (route.method === 'GET' || route.method === 'HEAD') return { path, headers, note: notes.join(' ') };

  if (key === 'PATCH /api/v4/jobs/:id/trace') {
    const text = chance(rng, 0.02) ? 'x'.repeat(1_100_000) : randomText(rng, 400);
    const len = Buffer.byteLength(text);
    const start = pick(rng, [0, 0, 1, 10, 999_999]);
    headers['content-range'] = chance(rng, 0.3) ? pick(rng, BAD_RANGES) : `${start}-${start + Math.max(0, len - 1)}`;
    headers['content-type'] = pick(rng, ['text/plain', 'text/plain', 'application/octet-stream', 'application/json', '']);
    if (!headers['content-type']) delete headers['content-type'];
    notes.push(`content-range:${headers['content-range']} len=${len}`);
    return { path, headers, body: text, note: notes.join(' ') };
  }
  if (key === 'POST /api/v4/jobs/:id/artifacts' || key === 'POST /api/ui/pipelines') {
    const data = new Uint8Array(Buffer.from((chance(rng, 0.3) ? 'KEY=' : '') + randomText(rng, 2000)));
    if (key === 'POST /api/ui/pipelines' || chance(rng, 0.2)) {
      headers['content-type'] = pick(rng, ['application/gzip', 'application/x-tar', 'application/octet-stream', ...WRONG_TYPES]);
      notes.push(`raw body ${headers['content-type']}`);
      return { path, headers, body: data, note: notes.join(' ') };
    }
    const fields = chance(rng, 0.3) ? [['artifact_type', pick(rng, ['junit', 'bogus', ''])] as [string, string]] : [];
    const mp = multipartOf(rng, fields, chance(rng, 0.9) ? { name: pick(rng, ['file', 'file', 'other']), filename: pick(rng, ['a.zip', '../../x', '', '💩.zip']), data } : undefined);
    headers['content-type'] = mp.type;
    notes.push('multipart');
    return { path, headers, body: mp.body, note: notes.join(' ') };
  }

  const body = mutateJson(rng, template(key, s), notes);
  const r = notes.length === 0 && chance(rng, 0.5) ? 0 : rng();
  if (r < 0.55) {
    headers['content-type'] = 'application/json';
    return { path, headers, body: JSON.stringify(body) ?? 'null', note: notes.join(' ') };
  }
  if (r < 0.63) {
    headers['content-type'] = 'application/json';
    const text = pick(rng, BAD_JSON);
    notes.push(`badjson ${text.slice(0, 16)}`);
    return { path, headers, body: text, note: notes.join(' ') };
  }
  if (r < 0.73) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    const pairs = formPairs(body);
    if (chance(rng, 0.2)) pairs.push([pick(rng, ['a[b', '[x]', 'a[][b]', '__proto__[x]', 'info[constructor]', 'a[b][c][d][e][f][g][h][i]']), '1']);
    notes.push('urlencoded');
    return { path, headers, body: new URLSearchParams(pairs).toString(), note: notes.join(' ') };
  }
  if (r < 0.8) {
    const mp = multipartOf(rng, formPairs(body));
    headers['content-type'] = mp.type;
    notes.push('multipart');
    return { path, headers, body: mp.body, note: notes.join(' ') };
  }
  if (r < 0.9) {
    headers['content-type'] = pick(rng, WRONG_TYPES);
    notes.push(`type ${headers['content-type']}`);
    return { path, headers, body: JSON.stringify(body) ?? 'null', note: notes.join(' ') };
  }
  if (r < 0.97) {
    headers['content-type'] = 'application/json';
    notes.push('empty body');
    return { path, headers, body: '', note: notes.join(' ') };
  }
  headers['content-type'] = 'application/json';
  notes.push('2 MiB body');
  return { path, headers, body: JSON.stringify({ token: s.runnerToken(), description: 'd'.repeat(2 * 1024 * 1024) }), note: notes.join(' ') };
}
