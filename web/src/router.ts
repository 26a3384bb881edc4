// A tiny history router: path patterns with :params, links that push state, a hook to re-render.
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  name: string;
  params: Record<string, string>;
  query: URLSearchParams;
}

const ROUTES: [string, RegExp][] = [
  ['projects', /^\/$/],
  ['project', /^\/projects\/(?<project>[^/]+)\/?$/],
  ['hooks', /^\/projects\/(?<project>[^/]+)\/hooks\/?$/],
  ['new-pipeline', /^\/projects\/(?<project>[^/]+)\/pipelines\/new\/?$/],
  ['pipeline', /^\/pipelines\/(?<id>\d+)(?:\/(?<tab>jobs|failures|tests))?\/?$/],
  // /jobs/1/artifacts, /jobs/1/artifacts/browse/<dir>/, /jobs/1/artifacts/file/<path>
  ['job', /^\/jobs\/(?<id>\d+)(?:\/(?<tab>artifacts)(?:\/(?<mode>browse|file)\/(?<path>.*))?)?\/?$/],
  ['runners', /^\/runners\/?$/],
  ['admin', /^\/admin\/?$/],
  ['signin', /^\/sign-in\/?$/],
];

export function match(pathname: string, search: string): Route {
  for (const [name, re] of ROUTES) {
    const m = re.exec(pathname);
    if (!m) continue;
    try {
      const params = Object.fromEntries(Object.entries(m.groups ?? {}).filter(([, v]) => v !== undefined).map(([k, v]) => [k, decodeURIComponent(v)]));
      return { name, params, query: new URLSearchParams(search) };
    } catch {
      break; // a malformed %-escape: no such page
    }
  }
  return { name: 'notfound', params: {}, query: new URLSearchParams(search) };
}

const listeners = new Set<() => void>();

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  listeners.forEach((l) => l());
  if (!replace) window.scrollTo(0, 0);
}

window.addEventListener('popstate', () => listeners.forEach((l) => l()));

export function useRoute(): Route {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((t) => t + 1);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return match(location.pathname, location.search);
}

/** onClick for <a href>: client-side navigation unless a modifier key asks for a new tab. */
export function linkClick(e: MouseEvent): void {
  const a = e.currentTarget as HTMLAnchorElement;
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || a.target) return;
  e.preventDefault();
  navigate(a.getAttribute('href') ?? '/');
}
