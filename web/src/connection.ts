// Whether the server answers. Event streams and reads report here; when the server goes away the
// shell shows a notice, a probe asks /session every 2 s, and once it answers every listener
// (useAsync re-reads, streams reconnect by themselves) learns it is back.
import { useEffect, useState } from 'preact/hooks';

export type ConnectionState = 'online' | 'offline' | 'reconnected';

let state: ConnectionState = 'online';
let probe: ReturnType<typeof setTimeout> | undefined;
let calm: ReturnType<typeof setTimeout> | undefined;
const stateListeners = new Set<(s: ConnectionState) => void>();
const reconnectListeners = new Set<() => void>();

function set(next: ConnectionState): void {
  if (next === state) return;
  state = next;
  stateListeners.forEach((l) => l(state));
}

/** A request or stream could not reach the server. */
export function reportDown(): void {
  if (state === 'offline') return;
  clearTimeout(calm);
  set('offline');
  schedule();
}

/** The server answered (a stream opened, a read succeeded). */
export function reportUp(): void {
  if (state !== 'offline') return;
  clearTimeout(probe);
  probe = undefined;
  set('reconnected');
  reconnectListeners.forEach((l) => l());
  calm = setTimeout(() => set('online'), 4000);
}

function schedule(): void {
  clearTimeout(probe);
  probe = setTimeout(async () => {
    try {
      const res = await fetch('/api/ui/session', { credentials: 'same-origin', cache: 'no-store' });
      if (res.status < 500) return reportUp();
    } catch {}
    if (state === 'offline') schedule();
  }, 2000);
}

let streams = 0;
/** Event streams open now (they notice a lost server by themselves). */
export function streamOpened(): () => void {
  streams++;
  return () => void streams--;
}

// Pages without an event stream (projects, runners, admin) learn of a lost server from a light
// check every 10 s while the tab is visible.
if (typeof window !== 'undefined') {
  setInterval(() => {
    if (streams > 0 || state === 'offline' || document.visibilityState !== 'visible') return;
    fetch('/api/ui/session', { credentials: 'same-origin', cache: 'no-store' }).then(
      (res) => (res.status >= 502 && res.status <= 504 ? reportDown() : undefined),
      () => reportDown(),
    );
  }, 10_000);
}

export function onReconnect(fn: () => void): () => void {
  reconnectListeners.add(fn);
  return () => void reconnectListeners.delete(fn);
}

export function useConnection(): ConnectionState {
  const [s, setS] = useState(state);
  useEffect(() => {
    stateListeners.add(setS);
    setS(state);
    return () => void stateListeners.delete(setS);
  }, []);
  return s;
}
