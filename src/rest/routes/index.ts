// Every REST route module, in one list: the plugin registers exactly these. Adding a module is
// one import and one entry here (see README.md, "How to add a route").
import type { RestRoutes } from '../context.js';
import { accessTokenRoutes } from './access-tokens.js';
import { metaRoutes } from './meta.js';
import { projectRoutes } from './projects.js';
import { protectedRefRoutes } from './protected-refs.js';
import { repositoryRoutes } from './repository.js';
import { runnerRoutes } from './runners.js';
import { userRoutes } from './users.js';
import { pipelineRoutes } from './pipelines.js';
import { jobRoutes } from './jobs.js';
import { jobArtifactRoutes } from './job-artifacts.js';
import { variableRoutes } from './variables.js';
import { automationRoutes } from './automation.js';

export const ROUTES: readonly RestRoutes[] = [
  metaRoutes,
  userRoutes,
  pipelineRoutes,
  jobRoutes,
  jobArtifactRoutes,
  projectRoutes,
  repositoryRoutes,
  variableRoutes,
  runnerRoutes,
  protectedRefRoutes,
  accessTokenRoutes,
  automationRoutes,
];
