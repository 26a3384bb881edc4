// Short-lived in-memory copies of rarely changing rows read on every claim (projects, CI/CD
// variables). Local writes invalidate at once; other nodes' writes are seen within `ttlMs`.
// Concurrent misses of one key share one read: when an entry expires under a burst of claims,
// it costs one query, not one per claim.
import type { StorePorts } from '../store/ports.js';
import type { CiVariable, Project } from './model.js';

interface Entry<T> {
  at: number;
  value: T;
}

export class ReadCache {
  private readonly projects = new Map<number, Entry<Project | null>>();
  private readonly variables = new Map<string, Entry<CiVariable[]>>();
  private readonly loading = new Map<string, Promise<unknown>>();
  /** Bumped by each invalidation: a read begun before it must not fill the cache. */
  private generation = 0;
  constructor(
    private readonly store: Pick<StorePorts, 'projects' | 'variables'>,
    private readonly ttlMs = 2_000,
  ) {}

  /** Inside a transaction pass its ports as `via`: a SQLite transaction holds the only connection. */
  async project(id: number, via?: Pick<StorePorts, 'projects'>): Promise<Project | null> {
    const hit = this.projects.get(id);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    // a read through a transaction is not shared: a caller outside it would wait for its commit
    if (via) return this.fill(this.projects, id, await via.projects.byId(id), this.generation);
    return this.shared(`p${id}`, this.projects, id, () => this.store.projects.byId(id));
  }

  async variablesOf(projectId: number | null): Promise<CiVariable[]> {
    const key = String(projectId);
    const hit = this.variables.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    return this.shared(`v${key}`, this.variables, key, () => this.store.variables.list(projectId));
  }

  invalidateVariables(): void {
    this.generation++;
    this.loading.clear();
    this.variables.clear();
  }

  invalidateProjects(): void {
    this.generation++;
    this.loading.clear();
    this.projects.clear();
  }

  private shared<K, T>(loadKey: string, map: Map<K, Entry<T>>, key: K, read: () => Promise<T>): Promise<T> {
    const running = this.loading.get(loadKey) as Promise<T> | undefined;
    if (running) return running;
    const generation = this.generation;
    const p = read()
      .then((value) => this.fill(map, key, value, generation))
      .finally(() => {
        if (this.loading.get(loadKey) === p) this.loading.delete(loadKey);
      });
    this.loading.set(loadKey, p);
    return p;
  }

  private fill<K, T>(map: Map<K, Entry<T>>, key: K, value: T, generation: number): T {
    if (generation !== this.generation) return value;
    if (map.size > 10_000) map.clear();
    map.set(key, { at: Date.now(), value });
    return value;
  }
}
