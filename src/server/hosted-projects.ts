// Projects that use each other on one server: `include: project:` reads the file from the other
// project's repository here (at `ref`, else its default branch), and multi-project pipelines
// (`trigger: project:`) resolve the downstream project and ref here. One rule decides whether a
// project may use another (mayUse): both hosted on this server, which is one trust domain (every
// token that may run pipelines may read every project's source, as `git clone` with it allows).
//
// The compiler is synchronous, so the include resolver is too: git is called synchronously
// (ls-tree/cat-file of one file, as projectFilesAt does for local files).
import type { CompileOptions } from '../ci/plan.js';
import type { Project } from '../engine/model.js';
import type { RepoStore } from '../git/repo-store.js';
import { runGitSync } from '../git/run-git.js';
import { projectFilesAt } from '../git/project-files.js';

export interface HostedProjects {
  /** `externalInclude` for the compiler: project includes from repositories on this server. */
  externalInclude: NonNullable<CompileOptions['externalInclude']>;
  /** Whether `source` may include from, trigger, or read artifacts of `target`. */
  mayUse(source: Pick<Project, 'path'>, target: Pick<Project, 'path'>): boolean;
}

const REF = /^[A-Za-z0-9._/@+-]{1,255}$/;

/** Splits `group/project/path/to/file.yml[@ref]` at the longest prefix that is a hosted repository. */
export function splitProjectInclude(repos: RepoStore, location: string): { project: string; file: string; ref: string | null } | null {
  const at = location.lastIndexOf('@');
  const ref = at > 0 ? location.slice(at + 1) : null;
  const rest = at > 0 ? location.slice(0, at) : location;
  const parts = rest.split('/');
  for (let n = parts.length - 1; n >= 1; n--) {
    const project = parts.slice(0, n).join('/');
    try {
      if (repos.exists(project)) return { project, file: parts.slice(n).join('/'), ref };
    } catch {
      // not a valid project path: try a shorter prefix
    }
  }
  return null;
}

export function resolveSync(repoPath: string, rev: string): string | null {
  if (!REF.test(rev) || rev.startsWith('-')) return null;
  try {
    const out = runGitSync(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { cwd: repoPath }).toString().trim();
    return /^[0-9a-f]{40,64}$/.test(out) ? out : null;
  } catch {
    return null;
  }
}

export function hostedProjects(opts: { repos: RepoStore }): HostedProjects {
  const { repos } = opts;
  const mayUse: HostedProjects['mayUse'] = (_source, target) => repos.exists(target.path);
  return {
    mayUse,
    externalInclude(kind, location) {
      if (kind !== 'project') return undefined;
      const split = splitProjectInclude(repos, location);
      if (!split) return undefined;
      const repoPath = repos.pathFor(split.project);
      const ref = split.ref ?? 'HEAD';
      const sha = resolveSync(repoPath, ref.startsWith('refs/') || ref === 'HEAD' ? ref : `refs/heads/${ref}`) ?? resolveSync(repoPath, `refs/tags/${ref}`) ?? (/^[0-9a-f]{7,64}$/.test(ref) ? resolveSync(repoPath, ref) : null);
      if (!sha) return undefined;
      return projectFilesAt(repoPath, sha).read(split.file);
    },
  };
}
