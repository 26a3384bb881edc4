// The project path rule lives in util/project-path.ts (one copy for git/, rest/ and the engine).
export { assertProjectPath, isValidProjectPath, MAX_PROJECT_DEPTH } from '../util/project-path.js';
