// A job's artifacts: the list with downloads and expiry (GitLab's "Keep"), and a browser of the
// archive's files where every folder and file has its own address (Back works):
//   /jobs/:id/artifacts                       the list and the archive's top folder
//   /jobs/:id/artifacts/browse/<dir>/         a folder
//   /jobs/:id/artifacts/file/<path>           one file (its content when it is small text)
import { get, send } from '../api';
import { ActionButton, ErrorBox, Icon, Link, Loading, useAsync, useTicker } from '../components/common';
import { navigate } from '../router';
import type { Artifact, ZipEntry } from '../types';
import { formatBytes, localTime, timeAgo } from '../util/format';

export interface ArtifactLocation {
  mode: 'browse' | 'file';
  path: string;
}

const base = (jobId: number, a: Artifact) => `/api/ui/jobs/${jobId}/artifacts/${a.id}`;
const TEXT = /\.(txt|log|md|json|xml|ya?ml|csv|sh|js|ts|css|html?|env|toml|ini|py|go|rs|c|h|java|rb)$/i;
const encodePath = (p: string) => p.split('/').map(encodeURIComponent).join('/');

/** The UI address of a folder ("" = the top, else ending in "/") or a file of the job's archive. */
export function artifactHref(jobId: number, loc: ArtifactLocation | null): string {
  if (!loc || (loc.mode === 'browse' && loc.path === '')) return `/jobs/${jobId}/artifacts`;
  return `/jobs/${jobId}/artifacts/${loc.mode}/${encodePath(loc.path)}`;
}

/** "in 3 days" / "2 hours ago", for an expiry time. */
function relative(iso: string, now: number): string {
  const ms = Date.parse(iso) - now;
  if (ms <= 0) return timeAgo(iso, now);
  const m = Math.round(ms / 60000);
  if (m < 60) return `in ${Math.max(1, m)} minute${m === 1 ? '' : 's'}`;
  const h = Math.round(m / 60);
  if (h < 48) return `in ${h} hour${h === 1 ? '' : 's'}`;
  return `in ${Math.round(h / 24)} days`;
}

/** The job page's side block: GitLab's "Job artifacts" with the expiry, Keep, Download and Browse. */
export function ArtifactsSideBlock(props: { jobId: number; artifacts: Artifact[]; canAct: boolean; onChange: () => void }) {
  const now = useTicker(60_000);
  const soonest = props.artifacts.map((a) => a.expireAt).filter((x): x is string => !!x).sort()[0];
  const archive = props.artifacts.find((a) => a.fileType === 'archive');
  const keep = async () => {
    await send('POST', `/jobs/${props.jobId}/artifacts/keep`);
    props.onChange();
  };
  return (
    <div class="side-block" data-testid="side-artifacts">
      <h4>Job artifacts</h4>
      <p class="small muted side-expiry">
        {soonest ? (
          <>
            {Date.parse(soonest) > now ? 'Removed ' : 'Expired '}
            <time dateTime={soonest} title={localTime(soonest)}>
              {relative(soonest, now)}
            </time>
          </>
        ) : (
          'Kept: never expire'
        )}
      </p>
      <div class="row-gap">
        {soonest ? (
          <ActionButton class="btn btn-sm" action={keep} disabled={!props.canAct} title={props.canAct ? 'Keep these artifacts: they will not expire' : 'Sign in to keep the artifacts'}>
            Keep
          </ActionButton>
        ) : null}
        {archive ? (
          <a class="btn btn-sm" href={`${base(props.jobId, archive)}/download`} download>
            {Icon.download} Download
          </a>
        ) : null}
        <Link href={artifactHref(props.jobId, null)} class="btn btn-sm">
          Browse
        </Link>
      </div>
    </div>
  );
}

export function ArtifactsBrowser(props: { jobId: number; artifacts: Artifact[]; location?: ArtifactLocation; canAct: boolean; onChange: () => void }) {
  const { jobId, artifacts } = props;
  const now = useTicker(60_000);
  const archive = artifacts.find((a) => a.fileType === 'archive' && a.fileFormat === 'zip');
  const expiring = artifacts.filter((a) => a.expireAt);
  const soonest = expiring.map((a) => a.expireAt!).sort()[0];
  const keep = async () => {
    await send('POST', `/jobs/${jobId}/artifacts/keep`);
    props.onChange();
  };
  return (
    <div class="artifacts">
      {artifacts.length === 0 ? <p class="muted empty">This job has no artifacts.</p> : null}
      {artifacts.length ? (
        <div class="artifact-expiry" data-testid="artifact-expiry">
          {soonest ? (
            <>
              <span>
                {Date.parse(soonest) > now ? 'These artifacts will be removed ' : 'These artifacts expired '}
                <time dateTime={soonest} title={localTime(soonest)}>
                  {relative(soonest, now)}
                </time>
                {Date.parse(soonest) > now ? '' : ' and are kept only while this is the latest successful pipeline of its ref'}.
              </span>
              <ActionButton class="btn btn-sm" action={keep} disabled={!props.canAct} title={props.canAct ? 'Keep these artifacts: they will not expire' : 'Sign in to keep the artifacts'} data-testid="artifacts-keep">
                Keep
              </ActionButton>
            </>
          ) : (
            <span data-testid="artifacts-kept">These artifacts are kept: they never expire.</span>
          )}
        </div>
      ) : null}
      {artifacts.length ? (
        <div class="table-scroll">
        <table class="table compact">
          <thead>
            <tr>
              <th>Type</th>
              <th>File</th>
              <th>Size</th>
              <th>Expires</th>
              <th>
                <span class="visually-hidden">Download</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {artifacts.map((a) => (
              <tr key={a.id}>
                <td>{a.fileType}</td>
                <td>
                  <code>{a.filename}</code>
                </td>
                <td class="nowrap">{formatBytes(a.size)}</td>
                <td class="muted small nowrap" title={a.expireAt ? localTime(a.expireAt) : undefined}>
                  {a.expireAt ? relative(a.expireAt, now) : 'never'}
                </td>
                <td class="right">
                  <a class="btn btn-sm" href={`${base(jobId, a)}/download`} download data-testid={`download-${a.fileType}`}>
                    {Icon.download} Download
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      ) : null}
      {archive ? <ZipBrowser jobId={jobId} artifact={archive} location={props.location} /> : null}
    </div>
  );
}

function ZipBrowser({ jobId, artifact, location }: { jobId: number; artifact: Artifact; location?: ArtifactLocation }) {
  const listing = useAsync(
    (signal) => get<{ entries: ZipEntry[]; total: number; truncated: boolean }>(`/jobs/${jobId}/artifacts/${artifact.id}/entries`, signal),
    [jobId, artifact.id],
  );
  if (listing.error) return <ErrorBox error={listing.error} />;
  if (!listing.data) return <Loading />;
  const entries = listing.data.entries;
  const open = location?.mode === 'file' ? (entries.find((e) => e.path === location.path && !e.directory) ?? null) : null;
  // The folder shown: the one asked for, or the opened file's.
  let dir = location?.mode === 'browse' ? location.path : open ? open.path.slice(0, open.path.lastIndexOf('/') + 1) : '';
  if (dir && !dir.endsWith('/')) dir += '/';
  const missing = (location?.mode === 'file' && !open) || (dir !== '' && !entries.some((e) => e.path.startsWith(dir)));
  const href = (loc: ArtifactLocation) => artifactHref(jobId, loc);
  if (missing) {
    return (
      <div class="alert alert-danger" data-testid="artifact-missing">
        {location?.mode === 'file' ? 'No file' : 'No folder'} <code>{location?.path}</code> in this archive.{' '}
        <Link href={artifactHref(jobId, null)}>Browse the archive</Link>
      </div>
    );
  }
  // Children of `dir`: files directly in it, and the first path segment of deeper entries.
  const dirs = new Map<string, number>();
  const files: ZipEntry[] = [];
  for (const e of entries) {
    if (!e.path.startsWith(dir) || e.path === dir) continue;
    const rest = e.path.slice(dir.length);
    const slash = rest.indexOf('/');
    if (slash >= 0) {
      const name = rest.slice(0, slash + 1);
      dirs.set(name, (dirs.get(name) ?? 0) + (e.directory ? 0 : e.size));
    } else files.push(e);
  }
  const parts = dir.split('/').filter(Boolean);
  return (
    <div class="zip-browser">
      <nav class="zip-path" aria-label="Archive folders" data-testid="zip-path">
        <Link href={href({ mode: 'browse', path: '' })}>{artifact.filename}</Link>
        {parts.map((p, i) => (
          <span key={i}>
            {' / '}
            <Link href={href({ mode: 'browse', path: parts.slice(0, i + 1).join('/') + '/' })}>{p}</Link>
          </span>
        ))}
        {open ? (
          <span>
            {' / '}
            <strong>{open.path.slice(dir.length)}</strong>
          </span>
        ) : null}
        {listing.data.truncated ? <span class="muted small"> (showing {entries.length} of {listing.data.total} entries)</span> : null}
      </nav>
      <table class="table compact zip-table" data-testid="zip-listing">
        <tbody>
          {dir ? (
            <tr class="clickable" onClick={(e) => !e.defaultPrevented && navigate(href({ mode: 'browse', path: parts.slice(0, -1).map((p) => `${p}/`).join('') }))}>
              <td colSpan={3}>
                <Link href={href({ mode: 'browse', path: parts.slice(0, -1).map((p) => `${p}/`).join('') })} data-testid="zip-up">
                  <span class="entry-name">{Icon.folder} ..</span>
                </Link>
              </td>
            </tr>
          ) : null}
          {[...dirs.entries()].sort().map(([name, size]) => (
            <tr key={name} class="clickable" onClick={(e) => !e.defaultPrevented && navigate(href({ mode: 'browse', path: dir + name }))}>
              <td>
                <Link href={href({ mode: 'browse', path: dir + name })} data-testid={`dir-${dir + name}`}>
                  <span class="entry-name">
                    {Icon.folder} {name}
                  </span>
                </Link>
              </td>
              <td class="muted nowrap">{formatBytes(size)}</td>
              <td />
            </tr>
          ))}
          {files.sort((a, b) => a.path.localeCompare(b.path)).map((f) => {
            const name = f.path.slice(dir.length);
            const url = `${base(jobId, artifact)}/file?path=${encodeURIComponent(f.path)}`;
            return (
              <tr key={f.path} class={open?.path === f.path ? 'selected' : ''}>
                <td>
                  <Link href={href({ mode: 'file', path: f.path })} data-testid={`entry-${f.path}`}>
                    <span class="entry-name">
                      {Icon.file} {name}
                    </span>
                  </Link>
                </td>
                <td class="muted nowrap">{formatBytes(f.size)}</td>
                <td class="right">
                  <a class="btn btn-sm" href={`${url}&download=1`} download={name} title={`Download ${name}`} aria-label={`Download ${name}`} data-testid={`download-entry-${f.path}`}>
                    {Icon.download}
                  </a>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {open ? <FilePreview url={`${base(jobId, artifact)}/file?path=${encodeURIComponent(open.path)}`} entry={open} /> : null}
    </div>
  );
}

function FilePreview({ url, entry }: { url: string; entry: ZipEntry }) {
  const text = TEXT.test(entry.path) && entry.size <= 512 * 1024;
  const content = useAsync(async (signal) => (text ? (await fetch(url, { signal, credentials: 'same-origin' })).text() : ''), [url]);
  return (
    <div class="file-preview">
      <div class="file-head">
        <code class="ellipsis">{entry.path}</code>
        <span class="muted small nowrap">{formatBytes(entry.size)}</span>
        <div class="spacer" />
        <a class="btn btn-sm" href={url} target="_blank" rel="noopener">
          Open
        </a>
        <a class="btn btn-sm" href={`${url}&download=1`} download>
          {Icon.download} Download
        </a>
      </div>
      {text ? content.data !== undefined ? <pre class="file-body" data-testid="file-preview">{content.data}</pre> : <Loading /> : <p class="muted small pad">No preview for this file.</p>}
    </div>
  );
}
