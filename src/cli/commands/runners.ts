// `runners list|create|delete|pause` against a server (admin token for changes).
import type { Command } from 'commander';
import type { RegisterCommand } from './types.js';
import { addConnectionOptions, clientAction, createClient, table } from '../client.js';

interface RunnerView {
  id: number;
  description: string;
  tags: string[];
  paused: boolean;
  status: string;
  contactedAt: string | null;
  managers?: { version?: string; executor?: string; platform?: string }[];
}

export const registerRunners: RegisterCommand = (program: Command, setExit) => {
  const runners = program.command('runners').description('list and manage runners on a server').addHelpText('after', '\nExample:\n  $ gitlab-ci-dispatcher runners list --json\n');

  addConnectionOptions(runners.command('list').description('list runners').option('--json', 'JSON output')
    .addHelpText('after', '\nExample:\n  $ gitlab-ci-dispatcher runners list\n')).action(
    clientAction(setExit, async (opts: Record<string, unknown>) => {
      const list = await createClient(opts).json<RunnerView[]>('GET', '/runners');
      if (opts.json) return void process.stdout.write(`${JSON.stringify(list)}\n`);
      process.stdout.write(
        table([
          ['ID', 'STATUS', 'PAUSED', 'DESCRIPTION', 'TAGS', 'VERSION', 'EXECUTOR', 'LAST CONTACT'],
          ...list.map((r) => [r.id, r.status, r.paused ? 'yes' : 'no', r.description, r.tags.join(','), r.managers?.[0]?.version, r.managers?.[0]?.executor, r.contactedAt]),
        ]),
      );
    }),
  );

  addConnectionOptions(
    runners
      .command('create')
      .description('create a runner and print its glrt- token (shown once)')
      .option('--description <text>', 'description', '')
      .option('--tag-list <tags>', 'comma-separated tags', '')
      .option('--run-untagged <bool>', 'also run untagged jobs', 'true')
      .option('--paused', 'create it paused')
      .option('--json', 'JSON output')
      .addHelpText('after', '\nExample:\n  $ gitlab-ci-dispatcher runners create --tag-list docker,linux --run-untagged false\n'),
  ).action(
    clientAction(setExit, async (opts: Record<string, unknown>) => {
      const tags = String(opts.tagList).split(',').map((t) => t.trim()).filter(Boolean);
      const created = await createClient(opts).json<{ runner: RunnerView; token: string }>('POST', '/runners', {
        body: { description: opts.description, tags, runUntagged: opts.runUntagged !== 'false', paused: Boolean(opts.paused) },
      });
      if (opts.json) return void process.stdout.write(`${JSON.stringify(created)}\n`);
      process.stdout.write(`Runner #${created.runner.id} created. Token (shown once): ${created.token}\n`);
    }),
  );

  addConnectionOptions(runners.command('delete').description('delete a runner').argument('<id>')
    .addHelpText('after', '\nExample:\n  $ gitlab-ci-dispatcher runners delete 3\n')).action(
    clientAction(setExit, async (id: string, opts: Record<string, unknown>) => {
      await createClient(opts).json('DELETE', `/runners/${encodeURIComponent(id)}`);
      process.stdout.write(`Runner #${id} deleted\n`);
    }),
  );

  addConnectionOptions(runners.command('pause').description('pause a runner (--resume to resume it)').argument('<id>').option('--resume', 'resume instead')
    .addHelpText('after', '\nExample:\n  $ gitlab-ci-dispatcher runners pause 3\n')).action(
    clientAction(setExit, async (id: string, opts: Record<string, unknown>) => {
      const runner = await createClient(opts).json<RunnerView>('POST', `/runners/${encodeURIComponent(id)}/${opts.resume ? 'resume' : 'pause'}`);
      process.stdout.write(`Runner #${runner.id} is ${runner.paused ? 'paused' : 'active'}\n`);
    }),
  );
};
