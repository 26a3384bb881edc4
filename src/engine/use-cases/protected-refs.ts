// Protected branch and tag rules of a project (engine/protected-refs.ts decides what they match).
// A new project gets one rule, its default branch, as GitLab protects it at creation; users may
// remove it. A change applies to pipelines created afterwards: each pipeline keeps the `protected`
// flag it was created with.
import { conflict, notFound } from '../../util/errors.js';
import type { EngineContext } from '../context.js';
import type { Project, ProtectedRef, ProtectedRefKind } from '../model.js';
import { checkProtectedName } from '../protected-refs.js';

export interface ProtectedRefInput {
  projectId: number;
  kind: ProtectedRefKind;
  name: string;
}

/** The project at `path`, created (with its default branch protected) when it does not exist. */
export async function ensureProject(ctx: EngineContext, path: string, defaultBranch: string): Promise<Project> {
  const { store } = ctx;
  const found = await store.projects.byPath(path);
  if (found) return found;
  try {
    return await store.transaction(async (tx) => {
      const createdAt = ctx.now();
      const project = await tx.projects.insert({ path, name: path.split('/').pop() ?? path, defaultBranch, createdAt });
      await tx.protectedRefs.insert({ projectId: project.id, kind: 'branch', name: defaultBranch, createdAt });
      return project;
    });
  } catch (e) {
    // created meanwhile by another request or node
    const again = await store.projects.byPath(path);
    if (again) return again;
    throw e;
  }
}

export async function protectRef(ctx: EngineContext, input: ProtectedRefInput): Promise<ProtectedRef> {
  const name = checkProtectedName(input.name, input.kind);
  if (!(await ctx.store.projects.byId(input.projectId))) throw notFound(`project ${input.projectId} not found`);
  const added = await ctx.store.protectedRefs.insert({ projectId: input.projectId, kind: input.kind, name, createdAt: ctx.now() });
  if (!added) throw conflict(`protected ${input.kind} '${name}' already exists`);
  return added;
}

export async function unprotectRef(ctx: EngineContext, input: ProtectedRefInput): Promise<void> {
  if (!(await ctx.store.protectedRefs.delete(input.projectId, input.kind, input.name))) {
    throw notFound(`protected ${input.kind} '${input.name}' not found`);
  }
}
