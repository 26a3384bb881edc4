// Parameters of an artifact upload (`artifact_type`, `artifact_format`, `expire_in`), read from
// the query string (gitlab-runner) or from multipart text fields (other clients), validated.
import type { Artifact } from '../engine/model.js';
import { parseDuration } from '../util/duration.js';
import { badRequest } from '../util/errors.js';
import { ARTIFACT_FORMATS, ARTIFACT_TYPES, reportFormat } from './artifact-formats.js';
import type { ArtifactFormat } from './protocol.js';

export interface ArtifactParams {
  type: string;
  format: ArtifactFormat;
  /** ISO expiry, or null to keep forever. */
  expireAt: string | null;
}

export function artifactParamsOf(raw: Record<string, unknown>, now: Date = new Date()): ArtifactParams {
  const str = (key: string): string | undefined => {
    const v = raw[key];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw badRequest(`${key} must be a string`);
    return v;
  };
  const type = str('artifact_type') ?? 'archive';
  if (!ARTIFACT_TYPES.includes(type)) throw badRequest('artifact_type does not have a valid value');
  const format = (str('artifact_format') ?? (type === 'archive' ? 'zip' : reportFormat(type).format)) as ArtifactFormat;
  if (!ARTIFACT_FORMATS.includes(format)) throw badRequest('artifact_format does not have a valid value');
  if (type === 'archive' && format !== 'zip' && format !== 'zipzstd' && format !== 'tarzstd') {
    throw badRequest('artifact_format must be zip for the archive');
  }
  const expireIn = str('expire_in');
  let expireAt: string | null = null;
  if (expireIn !== undefined && !/^\s*never\s*$/i.test(expireIn)) {
    const seconds = parseDuration(expireIn);
    if (seconds === null) throw badRequest('expire_in is not a valid duration');
    const at = now.getTime() + seconds * 1000;
    // Past year 9999 an ISO date no longer sorts as text (or is no date at all): use `never`.
    if (!(at < MAX_EXPIRY_MS)) throw badRequest('expire_in is too long (use "never")');
    expireAt = new Date(at).toISOString();
  }
  return { type, format, expireAt };
}

const MAX_EXPIRY_MS = Date.UTC(10000, 0, 1);

const EXTENSION: Record<ArtifactFormat, string> = { zip: '.zip', gzip: '.gz', raw: '', zipzstd: '.zip', tarzstd: '.tar.zst' };

/** A safe stored file name: the uploaded base name, or GitLab's default for the type. */
export function artifactFilename(uploaded: string | undefined, params: ArtifactParams): Artifact['filename'] {
  const base = (uploaded ?? '').split(/[\\/]/).pop()!.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '');
  if (base) return base.slice(0, 255);
  if (params.type === 'archive') return `artifacts${EXTENSION[params.format]}`;
  return `${reportFormat(params.type).name.replace(/^\./, '')}${EXTENSION[params.format]}`;
}
