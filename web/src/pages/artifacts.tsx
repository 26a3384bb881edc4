// A job's artifacts: the list with downloads, and a browser of the archive's files (folders, then
// one file's content when it is small text, or a download).
import { useState } from 'preact/hooks';
import { get } from '../api';
import { ErrorBox, Icon, Loading, useAsync } from '../components/common';
import type { Artifact, ZipEntry } from '../types';
import { formatBytes } from '../util/format';

const base = (jobId: number, a: Artifact) => `/api/ui/jobs/${jobId}/artifacts/${a.id}`;
const TEXT = /\.(txt|log|md|json|xml|ya?ml|csv|sh|js|ts|css|html?|env|toml|ini|py|go|rs|c|h|java|rb)$/i;

export function ArtifactsBrowser({ jobId, artifacts }: { jobId: number; artifacts: Artifact[] }) {
  const archive = artifacts.find((a) => a.fileType === 'archive' && a.fileFormat === 'zip');
  return (
    <div class="artifacts">
      {artifacts.length === 0 ? <p class="muted empty">This job has no artifacts.</p> : null}
      {artifacts.length ? (
        <table class="table compact">
          <thead>
            <tr>
              <th>Type</th>
              <th>File</th>
              <th>Size</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {artifacts.map((a) => (
              <tr key={a.id}>
                <td>{a.fileType}</td>
                <td>
                  <code>{a.filename}</code>
                </td>
                <td>{formatBytes(a.size)}</td>
                <td class="right">
                  <a class="btn btn-sm" href={`${base(jobId, a)}/download`} download data-testid={`download-${a.fileType}`}>
                    {Icon.download} Download
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {archive ? <ZipBrowser jobId={jobId} artifact={archive} /> : null}
    </div>
  );
}

function ZipBrowser({ jobId, artifact }: { jobId: number; artifact: Artifact }) {
  const listing = useAsync(
    (signal) => get<{ entries: ZipEntry[]; total: number; truncated: boolean }>(`/jobs/${jobId}/artifacts/${artifact.id}/entries`, signal),
    [jobId, artifact.id],
  );
  const [dir, setDir] = useState('');
  const [open, setOpen] = useState<ZipEntry | null>(null);
  if (listing.error) return <ErrorBox error={listing.error} />;
  if (!listing.data) return <Loading />;
  // Children of `dir`: files directly in it, and the first path segment of deeper entries.
  const dirs = new Map<string, number>();
  const files: ZipEntry[] = [];
  for (const e of listing.data.entries) {
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
      <div class="zip-path">
        <button class="btn-link" onClick={() => { setDir(''); setOpen(null); }}>
          {artifact.filename}
        </button>
        {parts.map((p, i) => (
          <span key={i}>
            {' / '}
            <button class="btn-link" onClick={() => { setDir(parts.slice(0, i + 1).join('/') + '/'); setOpen(null); }}>
              {p}
            </button>
          </span>
        ))}
        {listing.data.truncated ? <span class="muted small"> (showing {listing.data.entries.length} of {listing.data.total} entries)</span> : null}
      </div>
      <table class="table compact" data-testid="zip-listing">
        <tbody>
          {[...dirs.entries()].sort().map(([name, size]) => (
            <tr key={name} class="clickable" onClick={() => { setDir(dir + name); setOpen(null); }}>
              <td class="row-gap">{Icon.folder} {name}</td>
              <td class="muted">{formatBytes(size)}</td>
              <td />
            </tr>
          ))}
          {files.sort((a, b) => a.path.localeCompare(b.path)).map((f) => {
            const name = f.path.slice(dir.length);
            const url = `${base(jobId, artifact)}/file?path=${encodeURIComponent(f.path)}`;
            return (
              <tr key={f.path} class={open?.path === f.path ? 'selected' : ''}>
                <td>
                  <button class="btn-link" onClick={() => setOpen(f)} data-testid={`entry-${f.path}`}>
                    {Icon.file} {name}
                  </button>
                </td>
                <td class="muted">{formatBytes(f.size)}</td>
                <td class="right">
                  <a class="btn btn-sm" href={`${url}&download=1`} download={name} data-testid={`download-entry-${f.path}`}>
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
        <code>{entry.path}</code>
        <span class="muted small">{formatBytes(entry.size)}</span>
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
