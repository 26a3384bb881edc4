// Who the UI is signed in as, shared by every page.
import { useEffect, useState } from 'preact/hooks';
import { get } from './api';
import type { Session } from './types';

let current: Session | null = null;
const listeners = new Set<(s: Session | null) => void>();

export async function refreshSession(): Promise<Session> {
  current = await get<Session>('/session');
  listeners.forEach((l) => l(current));
  return current;
}

export function useSession(): Session | null {
  const [s, setS] = useState(current);
  useEffect(() => {
    listeners.add(setS);
    // the session may have arrived between this component's render and now
    if (current) setS(current);
    else refreshSession().catch(() => {});
    return () => void listeners.delete(setS);
  }, []);
  return s;
}

export const canAct = (s: Session | null) => !!s?.authenticated;
export const isAdmin = (s: Session | null) => s?.scope === 'admin';

/** The sign-in page, returning to the current page afterwards. */
export function signInHref(): string {
  const here = location.pathname + location.search + location.hash;
  return here === '/' || location.pathname.startsWith('/sign-in') ? '/sign-in' : `/sign-in?back=${encodeURIComponent(here)}`;
}
