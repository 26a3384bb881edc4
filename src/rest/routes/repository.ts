// What CI tools read of a repository: GET /projects/:id/repository/commits/:sha,
// /repository/branches[/:branch], /repository/tags[/:tag], /repository/files/:file_path/raw?ref=
// and /repository/files/:file_path?ref= (base64 JSON). Reads go through the engine's
// RepositoryReader port (server/ wires git/); `protected` follows the engine's protected-ref rules.
import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { isRefProtected } from '../../engine/protected-refs.js';
import type { Project } from '../../engine/model.js';
import { requireScope } from '../auth.js';
import type { RestContext, RestRoutes } from '../context.js';
import { notFoundError } from '../errors.js';
import { paginate } from '../pagination.js';
import { projectFromParam } from '../project-param.js';
import { paginated } from '../schemas/common.js';
import { BranchSchema, branchShape, CommitSchema, commitShape, TagSchema, tagShape } from '../shapes/commit.js';
import { projectSimple } from '../shapes/project.js';

const Id = { id: Type.String({ minLength: 1, maxLength: 1024 }) };
const RefName = Type.String({ minLength: 1, maxLength: 1024 });

export const repositoryRoutes: RestRoutes = (app, ctx) => {
  const webUrl = (project: Project) => projectSimple(project, ctx.externalUrl()).web_url;
  const read = async (request: Parameters<typeof requireScope>[0], id: string) => projectFromParam(ctx, await requireScope(request, ctx, 'read_api', { jobToken: true }), id);

  app.get('/projects/:id/repository/commits/:sha', { schema: { tags: ['repository'], summary: 'Get a commit', params: Type.Object({ ...Id, sha: RefName }), response: { 200: CommitSchema } } }, async (request) => {
    const project = await read(request, request.params.id);
    const commit = await ctx.repository.commit(project, request.params.sha);
    if (!commit) throw notFoundError('Commit');
    return commitShape(commit, webUrl(project));
  });

  const branches = async (c: RestContext, project: Project) => {
    const rules = await c.coordinator.read.protectedRefs(project.id);
    return (await c.repository.branches(project)).map((b) => branchShape(b, { protected: isRefProtected(rules, { ref: b.name, isTag: false }), default: b.name === project.defaultBranch, projectWebUrl: webUrl(project) }));
  };
  const tags = async (c: RestContext, project: Project) => {
    const rules = await c.coordinator.read.protectedRefs(project.id);
    return (await c.repository.tags(project)).map((t) => tagShape(t, { protected: isRefProtected(rules, { ref: t.name, isTag: true }), projectWebUrl: webUrl(project) }));
  };

  app.get(
    '/projects/:id/repository/branches',
    { schema: { tags: ['repository'], summary: 'List branches', params: Type.Object(Id), querystring: paginated({ search: Type.Optional(Type.String({ maxLength: 255 })) }), response: { 200: Type.Array(BranchSchema) } } },
    async (request, reply) => {
      const project = await read(request, request.params.id);
      const search = request.query.search;
      const list = (await branches(ctx, project)).filter((b) => !search || b.name.includes(search));
      return paginate(request, reply, list, { baseUrl: ctx.externalUrl() });
    },
  );

  app.get('/projects/:id/repository/branches/:branch', { schema: { tags: ['repository'], summary: 'Get a branch', params: Type.Object({ ...Id, branch: RefName }), response: { 200: BranchSchema } } }, async (request) => {
    const project = await read(request, request.params.id);
    const found = (await branches(ctx, project)).find((b) => b.name === request.params.branch);
    if (!found) throw notFoundError('Branch');
    return found;
  });

  app.get(
    '/projects/:id/repository/tags',
    { schema: { tags: ['repository'], summary: 'List tags', params: Type.Object(Id), querystring: paginated({ search: Type.Optional(Type.String({ maxLength: 255 })) }), response: { 200: Type.Array(TagSchema) } } },
    async (request, reply) => {
      const project = await read(request, request.params.id);
      const search = request.query.search;
      const list = (await tags(ctx, project)).filter((t) => !search || t.name.includes(search)).reverse();
      return paginate(request, reply, list, { baseUrl: ctx.externalUrl() });
    },
  );

  app.get('/projects/:id/repository/tags/:tag', { schema: { tags: ['repository'], summary: 'Get a tag', params: Type.Object({ ...Id, tag: RefName }), response: { 200: TagSchema } } }, async (request) => {
    const project = await read(request, request.params.id);
    const found = (await tags(ctx, project)).find((t) => t.name === request.params.tag);
    if (!found) throw notFoundError('Tag');
    return found;
  });

  const FileParams = Type.Object({ ...Id, file_path: Type.String({ minLength: 1, maxLength: 4096 }) });
  const FileQuery = Type.Object({ ref: Type.Optional(RefName), lfs: Type.Optional(Type.Boolean()) });

  app.get('/projects/:id/repository/files/:file_path/raw', { schema: { tags: ['repository'], summary: 'Raw file at a ref (default: the default branch)', params: FileParams, querystring: FileQuery } }, async (request, reply) => {
    const project = await read(request, request.params.id);
    const ref = request.query.ref ?? project.defaultBranch;
    const bytes = await ctx.repository.file(project, ref, request.params.file_path);
    if (!bytes) throw notFoundError('File');
    reply.type('text/plain; charset=utf-8').header('x-gitlab-file-path', request.params.file_path).header('x-gitlab-ref', ref).header('x-gitlab-size', String(bytes.length));
    return reply.send(bytes);
  });

  app.get(
    '/projects/:id/repository/files/:file_path',
    {
      schema: {
        tags: ['repository'],
        summary: 'File metadata and base64 content at a ref',
        params: FileParams,
        querystring: Type.Object({ ref: RefName }),
        response: { 200: Type.Object({ file_name: Type.String(), file_path: Type.String(), size: Type.Integer(), encoding: Type.String(), content: Type.String(), ref: Type.String(), commit_id: Type.String(), last_commit_id: Type.String(), blob_id: Type.String(), content_sha256: Type.String(), execute_filemode: Type.Boolean() }) },
      },
    },
    async (request) => {
      const project = await read(request, request.params.id);
      const { ref } = request.query;
      const [bytes, commit] = await Promise.all([ctx.repository.file(project, ref, request.params.file_path), ctx.repository.commit(project, ref)]);
      if (!bytes || !commit) throw notFoundError('File');
      const path = request.params.file_path;
      return {
        file_name: path.split('/').pop() ?? path,
        file_path: path,
        size: bytes.length,
        encoding: 'base64',
        content: bytes.toString('base64'),
        ref,
        commit_id: commit.id,
        last_commit_id: commit.id,
        blob_id: createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex'),
        content_sha256: createHash('sha256').update(bytes).digest('hex'),
        execute_filemode: false,
      };
    },
  );
};
