// GET /version, GET /metadata: what clients read first to know which GitLab they talk to.
import { Type } from '@sinclair/typebox';
import { requireScope } from '../auth.js';
import type { RestRoutes } from '../context.js';

const VersionSchema = Type.Object({ version: Type.String(), revision: Type.String() });
const MetadataSchema = Type.Object({
  version: Type.String(),
  revision: Type.String(),
  kas: Type.Object({ enabled: Type.Boolean(), externalUrl: Type.Union([Type.String(), Type.Null()]), externalK8sProxyUrl: Type.Union([Type.String(), Type.Null()]), version: Type.Union([Type.String(), Type.Null()]) }),
  enterprise: Type.Boolean(),
});

export const metaRoutes: RestRoutes = (app, ctx) => {
  const revision = `gcd-${ctx.serverVersion}`;
  app.get('/version', { schema: { tags: ['metadata'], summary: 'GitLab version', response: { 200: VersionSchema } } }, async (request) => {
    await requireScope(request, ctx, 'read_api', { jobToken: true });
    return { version: ctx.gitlabVersion, revision };
  });
  app.get('/metadata', { schema: { tags: ['metadata'], summary: 'GitLab metadata', response: { 200: MetadataSchema } } }, async (request) => {
    await requireScope(request, ctx, 'read_api', { jobToken: true });
    return { version: ctx.gitlabVersion, revision, kas: { enabled: false, externalUrl: null, externalK8sProxyUrl: null, version: null }, enterprise: false };
  });
};
