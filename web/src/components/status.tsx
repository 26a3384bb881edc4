// Status icons and badges in GitLab's colours: a ring with a glyph per status.
import type { Status } from '../types';

const LABEL: Record<string, string> = {
  created: 'created', waiting_for_resource: 'waiting', pending: 'pending', running: 'running', success: 'passed',
  failed: 'failed', canceling: 'canceling', canceled: 'canceled', skipped: 'skipped', manual: 'manual', scheduled: 'scheduled',
};

export const statusLabel = (s: string, allowFailure = false) => (s === 'failed' && allowFailure ? 'warning' : (LABEL[s] ?? s));

function glyph(status: string) {
  switch (status) {
    case 'success':
      return <path d="M4.5 8.2l2.3 2.3 4.7-4.8" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" />;
    case 'failed':
      return <path d="M5.5 5.5l5 5m0-5l-5 5" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" />;
    case 'warning':
      return <path d="M8 4.5v4.2M8 11v.2" fill="none" stroke="currentColor" stroke-width="1.7" stroke-linecap="round" />;
    case 'running':
      return <path d="M8 3.5a4.5 4.5 0 0 1 0 9z" fill="currentColor" />;
    case 'pending':
    case 'waiting_for_resource':
    case 'scheduled':
      return <path d="M6.2 5.5v5M9.8 5.5v5" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" />;
    case 'canceled':
    case 'canceling':
      return <path d="M5 11l6-6" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" />;
    case 'skipped':
      return <path d="M5 5.5l3 2.5-3 2.5M8.5 5.5l3 2.5-3 2.5" fill="none" stroke="currentColor" stroke-width="1.4" stroke-linejoin="round" />;
    case 'manual':
      return (
        <g fill="none" stroke="currentColor" stroke-width="1.4">
          <circle cx="8" cy="8" r="1.6" />
          <path d="M8 4.2v1.3M8 10.5v1.3M4.2 8h1.3M10.5 8h1.3M5.3 5.3l.9.9M9.8 9.8l.9.9M5.3 10.7l.9-.9M9.8 6.2l.9-.9" stroke-linecap="round" />
        </g>
      );
    default:
      return <circle cx="8" cy="8" r="2" fill="currentColor" />;
  }
}

export function StatusIcon({ status, allowFailure = false, size = 16 }: { status: Status | string; allowFailure?: boolean; size?: number }) {
  const s = status === 'failed' && allowFailure ? 'warning' : status;
  return (
    <svg class={`ci-icon ci-${s}`} width={size} height={size} viewBox="0 0 16 16" role="img" aria-label={statusLabel(status, allowFailure)} data-status={status}>
      <title>{statusLabel(status, allowFailure)}</title>
      <circle cx="8" cy="8" r="7" fill="var(--ci-bg)" stroke="currentColor" stroke-width="1.4" />
      {glyph(s)}
    </svg>
  );
}

/** `warning`: a pipeline or stage that passed with allowed failures (shown as GitLab's orange "warning"). */
export function StatusBadge({ status, allowFailure = false, warning = false }: { status: Status | string; allowFailure?: boolean; warning?: boolean }) {
  const s = (status === 'failed' && allowFailure) || warning ? 'warning' : status;
  return (
    <span class={`ci-badge ci-${s}`} data-status={status} data-display={s}>
      {warning ? <StatusIcon status="warning" size={14} /> : <StatusIcon status={status} allowFailure={allowFailure} size={14} />}
      {warning ? 'warning' : statusLabel(status, allowFailure)}
    </span>
  );
}
