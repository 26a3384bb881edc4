// Short-lived in-memory copies of rarely changing rows read on every claim (projects, CI/CD
// variables). Local writes invalidate at once; other nodes' writes are seen within `ttlMs`.
import type { StorePorts } from '../store/ports.js';
import type { CiVariable, Project } from './model.js';

export class ReadCache {
  private readonly projects = new Map<number, { at: number; value: Project | null }>();
  private readonly variables = new Map<string, { at: number; value: CiVariable[] }>();
  constructor(
    private readonly store: Pick<StorePorts, 'projects' | 'variables'>,
    private readonly ttlMs = 2_000,
  ) {}

  /** Inside a transaction pass its ports as `via`: a SQLite transaction holds the only connection. */
  async project(id: number, via?: Pick<StorePorts, 'projects'>): Promise<Project | null> {
    const hit = this.projects.get(id);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    const value = await (via ?? this.store).projects.byId(id);
    if (this.projects.size > 10_000) this.projects.clear();
    this.projects.set(id, { at: Date.now(), value });
    return value;
  }

  async variablesOf(projectId: number | null): Promise<CiVariable[]> {
    const key = String(projectId);
    const hit = this.variables.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    const value = await this.store.variables.list(projectId);
    if (this.variables.size > 10_000) this.variables.clear();
    this.variables.set(key, { at: Date.now(), value });
    return value;
  }

  invalidateVariables(): void {
    this.variables.clear();
  }

  invalidateProjects(): void {
    this.projects.clear();
  }
}
