// Test helper: a project hosted by an in-process server, with files committed on a branch (a real
// bare repository, a real commit), ready for ref -> pipeline paths (triggers, schedules,
// multi-project pipelines).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Project } from '../../engine/model.js';
import type { DispatcherServer } from '../create-server.js';

export async function hostProject(server: DispatcherServer, projectPath: string, files: Record<string, string>, ref = 'main'): Promise<{ project: Project; sha: string }> {
  const project = await server.coordinator.ensureProject(projectPath);
  await server.repos.ensure(project.path);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-hosted-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), text);
    }
    const { sha } = await server.importDirectory({ project, dir, committedOnly: false, ref });
    return { project, sha };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Polls `fn` until it returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
