// `artifacts download JOB [--path P] [-o FILE]` against a server.
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { RegisterCommand } from './types.js';
import { addConnectionOptions, ClientError, clientAction, createClient } from '../client.js';

export const registerArtifacts: RegisterCommand = (program: Command, setExit) => {
  const artifacts = program.command('artifacts').description("download a job's artifacts from a server").addHelpText('after', '\nExample:\n  $ gitlab-ci-dispatcher artifacts download 42 --path coverage/index.html\n');
  addConnectionOptions(
    artifacts
      .command('download')
      .description('download the artifacts archive of a job, or one file of it with --path')
      .argument('<job>', 'job id')
      .option('--path <path>', 'one file inside the archive')
      .option('--type <type>', 'artifact type (archive, junit, dotenv…)', 'archive')
      .option('-o, --output <file>', 'write here (default: artifacts.zip, or the file name; "-" for stdout)')
      .addHelpText('after', '\nExamples:\n  $ gitlab-ci-dispatcher artifacts download 42 -o build.zip\n  $ gitlab-ci-dispatcher artifacts download 42 --path out/app.txt -o -\n'),
  ).action(
    clientAction(setExit, async (job: string, opts: Record<string, unknown>) => {
      const client = createClient(opts);
      const type = encodeURIComponent(String(opts.type));
      const response = opts.path
        ? await client.request('GET', `/jobs/${encodeURIComponent(job)}/artifacts/${type}/file`, { query: { path: String(opts.path), download: '1' } })
        : await client.request('GET', `/jobs/${encodeURIComponent(job)}/artifacts/${type}/download`);
      if (!response.body) throw new ClientError('empty response', 1);
      const output = (opts.output as string | undefined) ?? (opts.path ? String(opts.path).split('/').pop()! : 'artifacts.zip');
      const body = Readable.fromWeb(response.body as never);
      if (output === '-') await pipeline(body, process.stdout);
      else {
        await pipeline(body, createWriteStream(output));
        process.stderr.write(`saved ${output}\n`);
      }
    }),
  );
};
