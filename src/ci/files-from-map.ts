// A ProjectFiles over a plain { path: content } map (tests, API callers with inline content).
import type { ProjectFiles } from './plan.js';

export function filesFromMap(record: Record<string, string>): ProjectFiles {
  const map = new Map<string, string>();
  for (const [k, v] of Object.entries(record)) map.set(k.replace(/^\.\//, '').replace(/^\/+/, ''), v);
  const list = [...map.keys()].sort();
  return {
    read: (path) => map.get(path.replace(/^\.\//, '').replace(/^\/+/, '')),
    list: () => list,
  };
}
