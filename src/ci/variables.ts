// YAML `variables:` normalisation and `$VAR` / `${VAR}` expansion, as GitLab does at compile time.
import type { Diagnostics } from './diagnostics.js';
import type { CompileContext, PlanVariable } from './plan.js';
import { isFloatKey, keyPos, valPos, type Pos } from './source-map.js';
import { has, isObj } from './values.js';
import { commitTitleAndDescription } from '../util/commit-message.js';
import { serverUrlParts } from '../util/server-url.js';

/** A scalar as GitLab's YAML (Ruby) prints it: 2.0 stays "2.0". */
export function scalarString(v: unknown, parent?: unknown, key?: string): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (Number.isInteger(v) && key !== undefined && isFloatKey(parent, key)) return `${v}.0`;
    return String(v);
  }
  return null;
}

export interface YamlVariable extends PlanVariable {
  description?: string;
  options?: string[];
}

/**
 * `variables:` of the root (`allowDescription`) or of a job. Values: string, number, or a hash
 * with `value`/`expand` (and `description`/`options` at the root). Booleans become "true"/"false".
 */
export function normalizeVariables(raw: unknown, where: string, diags: Diagnostics, at: Pos | undefined, allowDescription: boolean): YamlVariable[] {
  if (raw === null || raw === undefined) return [];
  if (!isObj(raw)) {
    diags.error(at, `${where} config should be a hash of key value pairs`);
    return [];
  }
  const out: YamlVariable[] = [];
  for (const key of Object.keys(raw)) {
    const v = raw[key];
    const pos = keyPos(raw, key, at);
    // GitLab turns YAML booleans into "true"/"false" (real configurations rely on it).
    const s = typeof v === 'boolean' ? String(v) : scalarString(v, raw, key);
    if (s !== null) {
      out.push({ key, value: s, raw: false });
      continue;
    }
    if (v === null) {
      out.push({ key, value: '', raw: false });
      continue;
    }
    if (isObj(v)) {
      const allowed = allowDescription ? ['value', 'description', 'expand', 'options'] : ['value', 'expand'];
      const unknown = Object.keys(v).filter((k) => !allowed.includes(k));
      if (unknown.length) {
        diags.error(pos, `${where} config uses invalid data keys: ${unknown.join(', ')}`);
        continue;
      }
      const value = has(v, 'value') ? (typeof v.value === 'boolean' ? String(v.value) : scalarString(v.value, v, 'value')) : '';
      if (value === null && v.value !== null) {
        diags.error(valPos(v, 'value', pos), `${where}:${key} value should be a string or a number`);
        continue;
      }
      if (has(v, 'expand') && typeof v.expand !== 'boolean') {
        diags.error(valPos(v, 'expand', pos), `${where}:${key} expand should be a boolean value`);
      }
      const item: YamlVariable = { key, value: value ?? '', raw: v.expand === false };
      if (typeof v.description === 'string') item.description = v.description;
      if (Array.isArray(v.options)) {
        item.options = v.options.map((o) => scalarString(o) ?? '');
        if (has(v, 'value') && !item.options.includes(item.value)) diags.error(pos, `${where} config value must be present in options`);
      }
      out.push(item);
      continue;
    }
    diags.error(pos, `${where} config should be a hash of key value pairs`);
  }
  return out;
}

const VAR_RE = /\$\$|\$\{(\w+)\}|\$(\w+)/g;

/**
 * Expands `$VAR` and `${VAR}`. `keepUnknown` leaves references to unknown variables as written
 * (so the runner can still expand them) and `$$` untouched; otherwise unknown ones become "" and
 * `$$` becomes `$`.
 */
export function expandVariables(text: string, lookup: (name: string) => string | undefined, keepUnknown = false): string {
  if (!text.includes('$')) return text;
  return text.replace(VAR_RE, (whole, braced: string | undefined, plain: string | undefined) => {
    if (whole === '$$') return keepUnknown ? '$$' : '$';
    const v = lookup((braced ?? plain)!);
    if (v === undefined) return keepUnknown ? whole : '';
    return v;
  });
}

type VarLayer = Iterable<{ key: string; value: string; raw?: boolean }>;

/** Precomputed outer layers shared by many scopes: `under` loses to the scope's own layers, `over` wins. */
export class ScopeFrame {
  readonly under = new Map<string, { value: string; raw: boolean }>();
  readonly over = new Map<string, { value: string; raw: boolean }>();
  constructor(under: VarLayer[], over: VarLayer[]) {
    for (const layer of under) for (const v of layer) this.under.set(v.key, { value: v.value, raw: v.raw ?? false });
    for (const layer of over) for (const v of layer) this.over.set(v.key, { value: v.value, raw: v.raw ?? false });
  }
}

/**
 * A variable scope for compile-time evaluation: later layers win (and `frame.over` above them,
 * `frame.under` below); values are expanded once, lazily, with nested references (depth-bounded,
 * cycles keep the text as written).
 */
export class VariableScope {
  private readonly raw = new Map<string, { value: string; raw: boolean }>();
  private readonly cache = new Map<string, string>();
  private readonly active = new Set<string>();

  constructor(
    layers: VarLayer[],
    private readonly frame?: ScopeFrame,
  ) {
    for (const layer of layers) for (const v of layer) this.raw.set(v.key, { value: v.value, raw: v.raw ?? false });
  }

  get = (name: string): string | undefined => {
    const hit = this.cache.get(name);
    if (hit !== undefined) return hit;
    const entry = this.frame?.over.get(name) ?? this.raw.get(name) ?? this.frame?.under.get(name);
    if (!entry) return undefined;
    if (entry.raw || !entry.value.includes('$') || this.active.size > 20 || this.active.has(name)) return entry.value;
    this.active.add(name);
    try {
      const value = expandVariables(entry.value, this.get, true);
      this.cache.set(name, value);
      return value;
    } finally {
      this.active.delete(name);
    }
  };
}

/** CI_COMMIT_REF_SLUG: lower-cased, non-alphanumerics to "-", at most 63 chars, no "-" at ends. */
export function refSlug(ref: string): string {
  return ref
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
}

/** The predefined variables GitLab exposes to rules at pipeline creation, from the context. */
export function predefinedVariables(ctx: CompileContext, configPath: string): { key: string; value: string }[] {
  const vars: Record<string, string> = {
    CI: 'true',
    GITLAB_CI: 'true',
    CI_SERVER: 'yes',
    CI_PIPELINE_SOURCE: ctx.source,
    CI_DEFAULT_BRANCH: ctx.defaultBranch,
    CI_COMMIT_REF_NAME: ctx.ref,
    CI_COMMIT_REF_SLUG: refSlug(ctx.ref),
    CI_COMMIT_SHA: ctx.sha,
    CI_COMMIT_SHORT_SHA: ctx.sha.slice(0, 8),
    CI_COMMIT_BEFORE_SHA: ctx.beforeSha ?? '0000000000000000000000000000000000000000',
    CI_CONFIG_PATH: configPath,
    CI_PROJECT_PATH: ctx.projectPath,
    CI_PROJECT_NAME: ctx.projectPath.split('/').pop() ?? ctx.projectPath,
    CI_PROJECT_NAMESPACE: ctx.projectPath.includes('/') ? ctx.projectPath.slice(0, ctx.projectPath.lastIndexOf('/')) : ctx.projectPath,
    CI_PROJECT_PATH_SLUG: refSlug(ctx.projectPath),
  };
  // GitLab: CI_COMMIT_BRANCH is not set in tag and merge request pipelines.
  if (ctx.isTag) vars.CI_COMMIT_TAG = ctx.ref;
  else if (ctx.source !== 'merge_request_event') vars.CI_COMMIT_BRANCH = ctx.ref;
  if (ctx.commitMessage !== undefined) {
    vars.CI_COMMIT_MESSAGE = ctx.commitMessage;
    const { title, description } = commitTitleAndDescription(ctx.commitMessage);
    vars.CI_COMMIT_TITLE = title;
    vars.CI_COMMIT_DESCRIPTION = description;
  }
  Object.assign(vars, instanceVariables(ctx));
  const commit = ctx.commit;
  if (commit) {
    vars.CI_COMMIT_AUTHOR = `${commit.authorName} <${commit.authorEmail}>`;
    vars.CI_COMMIT_TIMESTAMP = commit.timestamp;
    if (ctx.isTag) vars.CI_COMMIT_TAG_MESSAGE = commit.tagMessage;
    vars.GITLAB_USER_ID = String(commit.user.id);
    vars.GITLAB_USER_LOGIN = commit.user.login;
    vars.GITLAB_USER_NAME = commit.user.name;
    vars.GITLAB_USER_EMAIL = commit.user.email;
  }
  return Object.entries(vars).map(([key, value]) => ({ key, value }));
}

/**
 * Server and project variables GitLab has at pipeline creation, as the runner API sends them
 * (src/runner-api/predefined-variables.ts computes the same from the same URL and project).
 */
function instanceVariables(ctx: CompileContext): Record<string, string> {
  const inst = ctx.instance;
  if (!inst?.serverUrl) return {};
  let server: ReturnType<typeof serverUrlParts>;
  try {
    server = serverUrlParts(inst.serverUrl);
  } catch {
    return {};
  }
  const { base } = server;
  const segments = ctx.projectPath.split('/');
  return {
    CI_SERVER_URL: base,
    CI_SERVER_HOST: server.host,
    CI_SERVER_PORT: server.port,
    CI_SERVER_PROTOCOL: server.protocol,
    CI_SERVER_FQDN: server.fqdn,
    CI_SERVER_NAME: 'GitLab',
    CI_API_V4_URL: `${base}/api/v4`,
    CI_API_GRAPHQL_URL: `${base}/api/graphql`,
    CI_PROJECT_ID: String(inst.projectId),
    CI_PROJECT_URL: `${base}/${ctx.projectPath}`,
    CI_PROJECT_TITLE: inst.projectTitle,
    CI_PROJECT_ROOT_NAMESPACE: segments.length > 1 ? segments[0] : '',
    CI_PROJECT_VISIBILITY: 'private',
  };
}
