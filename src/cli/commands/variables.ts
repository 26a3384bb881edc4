// `variables list|set|delete` against a server (admin token). Masked values are never shown.
import type { Command } from 'commander';
import type { RegisterCommand } from './types.js';
import { addConnectionOptions, clientAction, createClient, table } from '../client.js';

interface VariableView {
  id: number;
  key: string;
  value: string | null;
  masked: boolean;
  protected: boolean;
  file: boolean;
  raw: boolean;
  projectId: number | null;
}

export const registerVariables: RegisterCommand = (program: Command, setExit) => {
  const variables = program.command('variables').description('instance and project CI/CD variables on a server').addHelpText('after', '\nExample:\n  $ gitlab-ci-dispatcher variables set DEPLOY_TOKEN s3cret --project team/app --masked\n');

  addConnectionOptions(variables.command('list').description('list variables (instance, or --project)').option('--project <path>', 'project path or id').option('--json', 'JSON output')
    .addHelpText('after', '\nExample:\n  $ gitlab-ci-dispatcher variables list --project team/app\n')).action(
    clientAction(setExit, async (opts: Record<string, unknown>) => {
      const list = await createClient(opts).json<VariableView[]>('GET', '/variables', { query: { project: opts.project as string | undefined } });
      if (opts.json) return void process.stdout.write(`${JSON.stringify(list)}\n`);
      const flags = (v: VariableView) => [v.masked && 'masked', v.protected && 'protected', v.file && 'file', v.raw && 'raw'].filter(Boolean).join(',');
      process.stdout.write(table([['ID', 'KEY', 'VALUE', 'FLAGS'], ...list.map((v) => [v.id, v.key, v.masked ? '[MASKED]' : v.value, flags(v)])]));
    }),
  );

  addConnectionOptions(
    variables
      .command('set')
      .description('create or replace a variable')
      .argument('<key>')
      .argument('<value>')
      .option('--project <path>', 'project path or id (default: instance variable)')
      .option('--masked', 'mask the value in job logs (8+ characters, no whitespace)')
      .option('--protected', 'only for pipelines of protected branches and tags (see `protected list`)')
      .option('--file', 'the runner writes the value to a file and sets the variable to its path')
      .option('--raw', 'do not expand $VAR references in the value')
      .addHelpText('after', '\nExample:\n  $ gitlab-ci-dispatcher variables set DEPLOY_TOKEN s3cr3t-value --masked --project team/app\n'),
  ).action(
    clientAction(setExit, async (key: string, value: string, opts: Record<string, unknown>) => {
      const v = await createClient(opts).json<VariableView>('POST', '/variables', {
        body: { key, value, masked: Boolean(opts.masked), protected: Boolean(opts.protected), file: Boolean(opts.file), raw: Boolean(opts.raw), project: opts.project },
      });
      process.stdout.write(`Variable ${v.key} saved (#${v.id})\n`);
    }),
  );

  addConnectionOptions(variables.command('delete').description('delete a variable').argument('<id>')
    .addHelpText('after', '\nExample:\n  $ gitlab-ci-dispatcher variables delete 7\n')).action(
    clientAction(setExit, async (id: string, opts: Record<string, unknown>) => {
      await createClient(opts).json('DELETE', `/variables/${encodeURIComponent(id)}`);
      process.stdout.write(`Variable #${id} deleted\n`);
    }),
  );
};
