// `pipeline create|list|show|cancel|retry` against a server.
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import type { RegisterCommand } from './types.js';
import { addConnectionOptions, ClientError, clientAction, collect, createClient, parseKeyValues, table } from '../client.js';

interface PipelineView {
  id: number;
  status: string;
  ref: string;
  sha: string;
  source: string;
  duration?: number | null;
  createdAt: string;
  projectPath?: string;
}

interface JobView {
  id: number;
  name: string;
  stage: string;
  status: string;
  duration?: number | null;
  allowFailure?: boolean;
  retried?: boolean;
}

/** The HEAD commit's message when DIR is a git work tree with a commit (kept as the pipeline's title), else undefined. */
export function headCommitMessage(dir: string): string | undefined {
  const log = spawnSync('git', ['-C', dir, 'log', '-1', '--format=%B'], { encoding: 'utf8' });
  const text = log.status === 0 ? log.stdout.trim() : '';
  // the query string has room for a title and a body, not for a whole changelog
  return text ? text.slice(0, 4000) : undefined;
}

/** A tar.gz of DIR: tracked and untracked-but-not-ignored files in a git work tree, else everything but .git. */
export function tarDirectory(dir: string): string {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'gcd-upload-')), 'source.tar.gz');
  const inGit = spawnSync('git', ['-C', dir, 'rev-parse', '--is-inside-work-tree'], { encoding: 'utf8' }).stdout.trim() === 'true';
  let result;
  if (inGit) {
    const files = spawnSync('git', ['-C', dir, 'ls-files', '-co', '--exclude-standard', '-z'], { maxBuffer: 256 * 1024 * 1024 });
    if (files.status !== 0) throw new ClientError(`git ls-files failed in ${dir}`, 2);
    const existing = files.stdout.toString('utf8').split('\0').filter((f) => f && existsSync(path.join(dir, f)));
    result = spawnSync('tar', ['-czf', out, '-C', dir, '--null', '-T', '-'], { input: existing.join('\0') });
  } else {
    result = spawnSync('tar', ['-czf', out, '-C', dir, '--exclude=.git', '--exclude=.gitlab-ci-dispatcher', '.']);
  }
  if (result.status !== 0) throw new ClientError(`tar failed: ${result.stderr?.toString().trim()}`, 2);
  return out;
}

const seconds = (s: number | null | undefined) => (typeof s === 'number' ? `${s.toFixed(1)}s` : '');

export const registerPipeline: RegisterCommand = (program: Command, setExit) => {
  const pipeline = program.command('pipeline').description('create and manage pipelines on a server').addHelpText('after', '\nExample:\n  $ gitlab-ci-dispatcher pipeline create --dir . --project team/app --ref main\n');

  addConnectionOptions(
    pipeline
      .command('create')
      .description('upload source (a directory or a tarball) and create a pipeline')
      .option('--dir <dir>', 'directory to upload (tracked and untracked, not ignored, files)')
      .option('--tar <file>', 'tar or tar.gz archive to upload')
      .requiredOption('--project <path>', 'project path, e.g. group/name (created on first use)')
      .option('--ref <ref>', 'branch or tag', 'main')
      .option('--tag', 'the ref is a tag')
      .option('--source <source>', 'CI_PIPELINE_SOURCE', 'api')
      .option('--variable <K=V>', 'pipeline variable (repeatable)', collect, [])
      .option('--json', 'print the created pipeline as JSON')
      .addHelpText('after', '\nExample:\n  $ gitlab-ci-dispatcher pipeline create --dir . --project team/app --ref main --variable DEPLOY=0\n'),
  ).action(
    clientAction(setExit, async (opts: Record<string, unknown>) => {
      if (Boolean(opts.dir) === Boolean(opts.tar)) throw new ClientError('give exactly one of --dir or --tar', 2);
      const client = createClient(opts);
      const file = opts.dir ? tarDirectory(path.resolve(String(opts.dir))) : path.resolve(String(opts.tar));
      if (!existsSync(file)) throw new ClientError(`${file} does not exist`, 2);
      try {
        const body = await client.json<{ pipeline: PipelineView | null; jobs?: JobView[]; reason?: string }>('POST', '/pipelines', {
          raw: Readable.toWeb(createReadStream(file)) as unknown as RequestInit['body'],
          contentType: 'application/gzip',
          query: {
            project: String(opts.project),
            ref: String(opts.ref),
            tag: opts.tag ? '1' : undefined,
            source: String(opts.source),
            variable: parseKeyValues(opts.variable as string[]).map((v) => `${v.key}=${v.value}`),
            message: opts.dir ? headCommitMessage(path.resolve(String(opts.dir))) : undefined,
          },
        });
        if (opts.json) process.stdout.write(`${JSON.stringify(body)}\n`);
        else if (!body.pipeline) process.stdout.write(`No pipeline created (${body.reason}).\n`);
        else process.stdout.write(`Pipeline #${body.pipeline.id} created for ${body.pipeline.ref} (${body.jobs?.length ?? 0} jobs): ${client.base}/pipelines/${body.pipeline.id}\n`);
      } finally {
        if (opts.dir) rmSync(path.dirname(file), { recursive: true, force: true });
      }
    }),
  );

  addConnectionOptions(
    pipeline
      .command('list')
      .description('list pipelines, newest first')
      .option('--project <path>', 'only this project')
      .option('--status <status>', 'only this status')
      .option('--ref <ref>', 'only this ref')
      .option('--limit <n>', 'at most N', '20')
      .option('--json', 'JSON output')
      .addHelpText('after', '\nExample:\n  $ gitlab-ci-dispatcher pipeline list --project team/app --status failed\n'),
  ).action(
    clientAction(setExit, async (opts: Record<string, unknown>) => {
      const client = createClient(opts);
      const list = await client.json<PipelineView[]>('GET', '/pipelines', {
        query: { project: opts.project as string | undefined, status: opts.status as string | undefined, ref: opts.ref as string | undefined, limit: String(opts.limit) },
      });
      if (opts.json) return void process.stdout.write(`${JSON.stringify(list)}\n`);
      process.stdout.write(table([['ID', 'STATUS', 'PROJECT', 'REF', 'SHA', 'SOURCE', 'DURATION'], ...list.map((p) => [p.id, p.status, p.projectPath, p.ref, p.sha.slice(0, 8), p.source, seconds(p.duration)])]));
    }),
  );

  addConnectionOptions(
    pipeline.command('show').description('show a pipeline and its jobs').argument('<id>').option('--json', 'JSON output')
      .addHelpText('after', '\nExample:\n  $ gitlab-ci-dispatcher pipeline show 12\n'),
  ).action(
    clientAction(setExit, async (id: string, opts: Record<string, unknown>) => {
      const client = createClient(opts);
      const detail = await client.json<{ pipeline: PipelineView; jobs: JobView[] }>('GET', `/pipelines/${encodeURIComponent(id)}`);
      if (opts.json) return void process.stdout.write(`${JSON.stringify(detail)}\n`);
      const p = detail.pipeline;
      process.stdout.write(`Pipeline #${p.id} ${p.status} — ${p.ref} ${p.sha.slice(0, 8)} (${p.source}) ${seconds(p.duration)}\n`);
      const jobs = detail.jobs.filter((j) => !j.retried);
      process.stdout.write(table([['JOB', 'ID', 'STAGE', 'STATUS', 'DURATION'], ...jobs.map((j) => [j.name, j.id, j.stage, j.status + (j.status === 'failed' && j.allowFailure ? ' (allowed to fail)' : ''), seconds(j.duration)])]));
    }),
  );

  for (const action of ['cancel', 'retry'] as const) {
    addConnectionOptions(
      pipeline.command(action).description(`${action} a pipeline${action === 'retry' ? "'s failed and canceled jobs" : ''}`).argument('<id>')
        .addHelpText('after', `\nExample:\n  $ gitlab-ci-dispatcher pipeline ${action} 12\n`),
    ).action(
      clientAction(setExit, async (id: string, opts: Record<string, unknown>) => {
        const client = createClient(opts);
        const detail = await client.json<{ pipeline: PipelineView }>('POST', `/pipelines/${encodeURIComponent(id)}/${action}`);
        process.stdout.write(`Pipeline #${detail.pipeline.id} is ${detail.pipeline.status}\n`);
      }),
    );
  }
};
