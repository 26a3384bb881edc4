// Every REST route module, in one list: the plugin registers exactly these. Adding a module is
// one import and one entry here (see README.md, "How to add a route").
import type { RestRoutes } from '../context.js';
import { metaRoutes } from './meta.js';
import { userRoutes } from './users.js';

export const ROUTES: readonly RestRoutes[] = [
  metaRoutes,
  userRoutes,
];
