// Project paths as GitLab allows them ("group/sub/project"): segments of letters, digits, "_",
// "-", "."; not starting with "." or "-"; not ending in ".git" or ".atom"; at most 20 levels. A
// valid path can be joined under the repositories directory without escaping it.
import { badRequest } from './errors.js';

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/;
export const MAX_PROJECT_DEPTH = 20;

export function isValidProjectPath(projectPath: string): boolean {
  if (typeof projectPath !== 'string' || projectPath.length === 0 || projectPath.length > 1024) return false;
  const segments = projectPath.split('/');
  if (segments.length > MAX_PROJECT_DEPTH) return false;
  return segments.every(
    (s) => SEGMENT.test(s) && !s.endsWith('.git') && !s.endsWith('.atom') && !s.includes('..'),
  );
}

export function assertProjectPath(projectPath: string): string {
  if (!isValidProjectPath(projectPath)) throw badRequest(`invalid project path: ${JSON.stringify(projectPath)}`);
  return projectPath;
}
