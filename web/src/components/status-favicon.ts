// The tab's icon follows the status of the pipeline or job on screen (GitLab does the same):
// green passed, red failed, orange warning (allowed failure), blue running, grey otherwise.
import { useEffect } from 'preact/hooks';

const COLOUR: Record<string, string> = {
  success: '#108548', failed: '#dd2b0e', warning: '#ab6100', running: '#1f75cb', pending: '#c17d10',
  canceled: '#737278', skipped: '#737278', manual: '#535158', created: '#737278', scheduled: '#c17d10',
};
const DEFAULT = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='7' fill='%23fc6d26'/%3E%3C/svg%3E";

function iconFor(status: string): string {
  const c = COLOUR[status] ?? '#737278';
  const glyph = status === 'warning' ? `<path d='M8 4.5v4.2M8 11v.2' stroke='white' stroke-width='1.8' stroke-linecap='round'/>` : '';
  return `data:image/svg+xml,${encodeURIComponent(`<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'><circle cx='8' cy='8' r='7' fill='${c}'/>${glyph}</svg>`)}`;
}

function link(): HTMLLinkElement {
  let el = document.querySelector<HTMLLinkElement>('link[rel=icon]');
  if (!el) {
    el = document.createElement('link');
    el.rel = 'icon';
    document.head.appendChild(el);
  }
  return el;
}

/** Shows `status` (as displayed: "warning" for an allowed failure) in the tab's icon while mounted. */
export function useStatusFavicon(status: string | null | undefined): void {
  useEffect(() => {
    if (!status) return;
    const el = link();
    el.href = iconFor(status);
    el.dataset.status = status;
    return () => {
      el.href = DEFAULT;
      delete el.dataset.status;
    };
  }, [status]);
}
