// Small shared pieces: links, data loading, buttons that call the API, error boxes.
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { onReconnect } from '../connection';
import { linkClick } from '../router';
import './action-button.css';

export function Link(props: { href: string; class?: string; children: ComponentChildren; title?: string; 'data-testid'?: string }) {
  return (
    <a href={props.href} class={props.class} title={props.title} onClick={linkClick} data-testid={props['data-testid']}>
      {props.children}
    </a>
  );
}

export interface Async<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
  set: (value: T) => void;
}

/** Loads data with `load`, again when `deps` change or on reload(); keeps the last data while reloading. */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Async<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loader = useRef(load);
  loader.current = load;
  const shown = useRef(false);
  shown.current = data !== undefined;
  useEffect(() => {
    const ac = new AbortController();
    setLoading(true);
    loader.current(ac.signal).then(
      (value) => {
        if (ac.signal.aborted) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (err: Error) => {
        if (ac.signal.aborted) return;
        setLoading(false);
        // the server is away (the shell says so): keep showing what we have, re-read once it is back
        if (err instanceof TypeError && shown.current) return;
        setError(err);
      },
    );
    return () => ac.abort();
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  // the server was away: whatever changed meanwhile is in a fresh read
  useEffect(() => onReconnect(reload), [reload]);
  return { data, error, loading, reload, set: setData };
}

export function ErrorBox({ error }: { error: Error | string | undefined }) {
  if (!error) return null;
  return (
    <div class="alert alert-danger" role="alert">
      {typeof error === 'string' ? error : error.message}
    </div>
  );
}

export function Loading() {
  return <div class="loading">Loading…</div>;
}

let hintIds = 0;

/**
 * A button that runs an async action, disables itself meanwhile and reports a failure. Disabled by
 * `disabled`, it stays focusable (`aria-disabled`) and its `reason` (else its `title`) becomes a hint
 * shown on hover and keyboard focus and tied to it by `aria-describedby`, so keyboard users learn why.
 */
export function ActionButton(props: {
  action: () => Promise<unknown>;
  children: ComponentChildren;
  class?: string;
  title?: string;
  confirm?: string;
  disabled?: boolean;
  /** Why it is disabled (default: `title`). */
  reason?: string;
  onError?: (e: Error) => void;
  'data-testid'?: string;
}) {
  const [busy, setBusy] = useState(false);
  const hintId = useRef('');
  const click = async (e: Event) => {
    e.preventDefault();
    e.stopPropagation();
    if (props.disabled) return;
    if (props.confirm && !window.confirm(props.confirm)) return;
    setBusy(true);
    try {
      await props.action();
    } catch (err) {
      if (props.onError) props.onError(err as Error);
      else window.alert((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  if (props.disabled) {
    if (!hintId.current) hintId.current = `action-hint-${++hintIds}`;
    const reason = props.reason ?? props.title;
    return (
      <span class="action-wrap">
        <button type="button" class={props.class ?? 'btn'} aria-label={props.title} aria-disabled="true" aria-describedby={reason ? hintId.current : undefined} onClick={click} data-testid={props['data-testid']}>
          {props.children}
        </button>
        {reason ? (
          <span class="disabled-hint" role="tooltip" id={hintId.current}>
            {reason}
          </span>
        ) : null}
      </span>
    );
  }
  return (
    <button type="button" class={props.class ?? 'btn'} title={props.title} aria-label={props.title} disabled={busy} onClick={click} data-testid={props['data-testid']}>
      {props.children}
    </button>
  );
}

/** Re-renders every `ms` (for live durations and ages). */
export function useTicker(ms: number, active = true): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms, active]);
  return now;
}

export const Icon = {
  retry: (
    <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true">
      <path d="M13 8a5 5 0 1 1-1.6-3.7M13 2.5v3h-3" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" />
    </svg>
  ),
  cancel: (
    <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true">
      <path d="M4.5 4.5l7 7m0-7l-7 7" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" />
    </svg>
  ),
  play: (
    <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true">
      <path d="M5 3.5v9l7.5-4.5z" fill="currentColor" />
    </svg>
  ),
  chevron: (
    <svg width="12" height="12" viewBox="0 0 16 16" aria-hidden="true">
      <path d="M6 4l4 4-4 4" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" />
    </svg>
  ),
  folder: (
    <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" class="file-icon">
      <path d="M1.8 3.5h4.3l1.5 1.6h6.6v7.4H1.8z" fill="none" stroke="currentColor" stroke-width="1.3" stroke-linejoin="round" />
    </svg>
  ),
  file: (
    <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" class="file-icon">
      <path d="M3.5 1.8h5.7l3.3 3.3v9.1h-9zM9 1.8v3.5h3.5" fill="none" stroke="currentColor" stroke-width="1.3" stroke-linejoin="round" />
    </svg>
  ),
  tag: (
    <svg width="12" height="12" viewBox="0 0 16 16" aria-hidden="true">
      <path d="M2 2.5v5l6.5 6.5 5-5L7 2.5zM5 5.5h.1" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round" />
    </svg>
  ),
  download: (
    <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true">
      <path d="M8 2.5v8m-3.5-3.5L8 10.5 11.5 7M3 13.5h10" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" />
    </svg>
  ),
};

/** Sets the browser tab's title while the page shows. */
export function useTitle(title: string | null | undefined): void {
  useEffect(() => {
    if (title) document.title = `${title} · gitlab-ci-dispatcher`;
  }, [title]);
}
