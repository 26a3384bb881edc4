// `protected list|add|remove` against a server: a project's protected branches and tags (admin
// token for changes). A rule is an exact name or a pattern where `*` matches any characters.
import type { Command } from 'commander';
import type { RegisterCommand } from './types.js';
import { UsageError } from '../args.js';
import { addConnectionOptions, clientAction, createClient, table } from '../client.js';

interface ProtectedRefView {
  id: number;
  projectId: number;
  kind: 'branch' | 'tag';
  name: string;
  createdAt: string;
}

/** `--branch X` or `--tag X`, exactly one. */
function ruleOf(opts: Record<string, unknown>): { path: string; kind: string; name: string } {
  const branch = opts.branch as string | undefined;
  const tag = opts.tag as string | undefined;
  if ((branch === undefined) === (tag === undefined)) throw new UsageError('give exactly one of --branch PATTERN or --tag PATTERN');
  return branch !== undefined ? { path: 'protected_branches', kind: 'branch', name: branch } : { path: 'protected_tags', kind: 'tag', name: tag! };
}

const projectPath = (opts: Record<string, unknown>) => `/projects/${encodeURIComponent(String(opts.project))}`;

export const registerProtected: RegisterCommand = (program: Command, setExit) => {
  const prot = program
    .command('protected')
    .description("a project's protected branches and tags (protected variables and ref_protected runners only serve their pipelines)")
    .addHelpText('after', '\nExample:\n  $ gitlab-ci-dispatcher protected add --project team/app --branch "release/*"\n');

  addConnectionOptions(
    prot
      .command('list')
      .description('list the protected branches and tags of a project')
      .requiredOption('--project <path>', 'project path or id')
      .option('--json', 'JSON output')
      .addHelpText('after', '\nExample:\n  $ gitlab-ci-dispatcher protected list --project team/app\n'),
  ).action(
    clientAction(setExit, async (opts: Record<string, unknown>) => {
      const list = await createClient(opts).json<ProtectedRefView[]>('GET', `${projectPath(opts)}/protected_refs`);
      if (opts.json) return void process.stdout.write(`${JSON.stringify(list)}\n`);
      if (!list.length) return void process.stdout.write('No protected branches or tags\n');
      process.stdout.write(table([['KIND', 'NAME'], ...list.map((r) => [r.kind, r.name])]));
    }),
  );

  addConnectionOptions(
    prot
      .command('add')
      .description('protect a branch or tag name or pattern (applies to pipelines created from now on)')
      .requiredOption('--project <path>', 'project path or id')
      .option('--branch <pattern>', "branch name or pattern, e.g. 'release/*'")
      .option('--tag <pattern>', "tag name or pattern, e.g. 'v*'")
      .addHelpText('after', "\nExample:\n  $ gitlab-ci-dispatcher protected add --project team/app --tag 'v*'\n"),
  ).action(
    clientAction(setExit, async (opts: Record<string, unknown>) => {
      const rule = ruleOf(opts);
      const saved = await createClient(opts).json<ProtectedRefView>('POST', `${projectPath(opts)}/${rule.path}`, { body: { name: rule.name } });
      process.stdout.write(`Protected ${saved.kind} ${saved.name}\n`);
    }),
  );

  addConnectionOptions(
    prot
      .command('remove')
      .description('remove a protected branch or tag rule (by its exact name)')
      .requiredOption('--project <path>', 'project path or id')
      .option('--branch <pattern>', 'the protected branch rule')
      .option('--tag <pattern>', 'the protected tag rule')
      .addHelpText('after', '\nExample:\n  $ gitlab-ci-dispatcher protected remove --project team/app --branch main\n'),
  ).action(
    clientAction(setExit, async (opts: Record<string, unknown>) => {
      const rule = ruleOf(opts);
      await createClient(opts).json('DELETE', `${projectPath(opts)}/${rule.path}/${encodeURIComponent(rule.name)}`);
      process.stdout.write(`Unprotected ${rule.kind} ${rule.name}\n`);
    }),
  );
};
