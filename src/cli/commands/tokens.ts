// `token create|list|revoke` and `users create|list`: GitLab users and their personal or project
// access tokens, over the server's REST API v4 (src/rest/; an admin token for other users' tokens).
import type { Command } from 'commander';
import type { RegisterCommand } from './types.js';
import { addConnectionOptions, clientAction, createClient, table } from '../client.js';

interface TokenView {
  id: number;
  name: string;
  scopes: string[];
  user_id: number | null;
  active: boolean;
  revoked: boolean;
  expires_at: string | null;
  created_at: string;
  access_level?: number;
  token?: string;
}
interface UserView {
  id: number;
  username: string;
  name: string;
  is_admin?: boolean;
  bot?: boolean;
}

const rest = (opts: Record<string, unknown>) => createClient(opts, '/api/v4');
const scopesOf = (value: unknown) =>
  String(value ?? 'api')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

async function userId(opts: Record<string, unknown>): Promise<number> {
  const client = rest(opts);
  if (!opts.user) return (await client.json<UserView>('GET', '/user')).id;
  const found = await client.json<UserView[]>('GET', '/users', { query: { username: String(opts.user) } });
  if (!found.length) throw new Error(`no user ${String(opts.user)} (create one with \`users create ${String(opts.user)}\`)`);
  return found[0].id;
}

export const registerTokens: RegisterCommand = (program: Command, setExit) => {
  const token = program
    .command('token')
    .description('personal and project access tokens (GitLab REST API)')
    .addHelpText('after', '\nExamples:\n  $ gitlab-ci-dispatcher token create --name release-script --scopes api\n  $ gitlab-ci-dispatcher token list --json\n');

  addConnectionOptions(
    token
      .command('create')
      .description('create an access token and print it (shown once)')
      .requiredOption('--name <name>', 'token name')
      .option('--scopes <list>', 'comma-separated scopes: api, read_api, read_repository, write_repository, …', 'api')
      .option('--user <username>', "another user's personal token (admin; default: your own)")
      .option('--project <path>', 'a project access token (its own bot user, this project only)')
      .option('--access-level <n>', 'project token access level: 10, 20, 30, 40 (default) or 50')
      .option('--expires-at <date>', 'YYYY-MM-DD (default: never)')
      .option('--json', 'JSON output')
      .addHelpText('after', '\nExamples:\n  $ gitlab-ci-dispatcher token create --name release-script --scopes api\n  $ gitlab-ci-dispatcher token create --name ci-reader --scopes read_api --project team/app\n'),
  ).action(
    clientAction(setExit, async (opts: Record<string, unknown>) => {
      const body = { name: opts.name, scopes: scopesOf(opts.scopes), ...(opts.expiresAt ? { expires_at: opts.expiresAt } : {}) };
      const made = opts.project
        ? await rest(opts).json<TokenView>('POST', `/projects/${encodeURIComponent(String(opts.project))}/access_tokens`, { body: { ...body, ...(opts.accessLevel ? { access_level: Number(opts.accessLevel) } : {}) } })
        : await rest(opts).json<TokenView>('POST', opts.user ? `/users/${await userId(opts)}/personal_access_tokens` : '/user/personal_access_tokens', { body });
      if (opts.json) return void process.stdout.write(`${JSON.stringify(made)}\n`);
      process.stdout.write(`Token #${made.id} ${made.name} (${made.scopes.join(',')}):\n${made.token}\n`);
    }),
  );

  addConnectionOptions(
    token
      .command('list')
      .description('list tokens (yours, --user, or --project)')
      .option('--user <username>', "another user's tokens (admin)")
      .option('--project <path>', "a project's access tokens")
      .option('--json', 'JSON output')
      .addHelpText('after', '\nExamples:\n  $ gitlab-ci-dispatcher token list\n  $ gitlab-ci-dispatcher token list --project team/app --json\n'),
  ).action(
    clientAction(setExit, async (opts: Record<string, unknown>) => {
      const query = { per_page: '100' };
      const list = opts.project
        ? await rest(opts).json<TokenView[]>('GET', `/projects/${encodeURIComponent(String(opts.project))}/access_tokens`, { query })
        : await rest(opts).json<TokenView[]>('GET', '/personal_access_tokens', { query: { ...query, ...(opts.user ? { user_id: String(await userId(opts)) } : {}) } });
      if (opts.json) return void process.stdout.write(`${JSON.stringify(list)}\n`);
      const state = (t: TokenView) => (t.revoked ? 'revoked' : t.active ? 'active' : 'expired');
      process.stdout.write(table([['ID', 'NAME', 'SCOPES', 'USER', 'STATE', 'EXPIRES'], ...list.map((t) => [t.id, t.name, t.scopes.join(','), t.user_id, state(t), t.expires_at ?? 'never'])]));
    }),
  );

  addConnectionOptions(token
      .command('revoke')
      .description('revoke a token')
      .argument('<id>')
      .option('--project <path>', 'a project access token')
      .addHelpText('after', '\nExamples:\n  $ gitlab-ci-dispatcher token revoke 7\n  $ gitlab-ci-dispatcher token revoke 9 --project team/app\n')).action(
    clientAction(setExit, async (id: string, opts: Record<string, unknown>) => {
      await rest(opts).json('DELETE', opts.project ? `/projects/${encodeURIComponent(String(opts.project))}/access_tokens/${encodeURIComponent(id)}` : `/personal_access_tokens/${encodeURIComponent(id)}`);
      process.stdout.write(`Token #${id} revoked\n`);
    }),
  );

  const users = program
    .command('users')
    .description('GitLab users (owners of access tokens)')
    .addHelpText('after', '\nExamples:\n  $ gitlab-ci-dispatcher users create alice --name Alice\n  $ gitlab-ci-dispatcher users list\n');
  addConnectionOptions(
    users
      .command('create')
      .description('create a user (admin)')
      .argument('<username>')
      .option('--name <name>', 'display name')
      .option('--email <email>', 'email')
      .option('--admin', 'an administrator')
      .option('--json', 'JSON output')
      .addHelpText('after', '\nExamples:\n  $ gitlab-ci-dispatcher users create alice --name Alice --email alice@example.com\n  $ gitlab-ci-dispatcher users create ops --admin\n'),
  ).action(
    clientAction(setExit, async (username: string, opts: Record<string, unknown>) => {
      const u = await rest(opts).json<UserView>('POST', '/users', { body: { username, name: opts.name ?? username, email: opts.email ?? `${username}@noreply.localhost`, admin: Boolean(opts.admin) } });
      if (opts.json) return void process.stdout.write(`${JSON.stringify(u)}\n`);
      process.stdout.write(`User #${u.id} ${u.username} created\n`);
    }),
  );
  addConnectionOptions(users.command('list').description('list users').option('--json', 'JSON output').addHelpText('after', '\nExamples:\n  $ gitlab-ci-dispatcher users list\n  $ gitlab-ci-dispatcher users list --json\n')).action(
    clientAction(setExit, async (opts: Record<string, unknown>) => {
      const list = await rest(opts).json<UserView[]>('GET', '/users', { query: { per_page: '100' } });
      if (opts.json) return void process.stdout.write(`${JSON.stringify(list)}\n`);
      process.stdout.write(table([['ID', 'USERNAME', 'NAME'], ...list.map((u) => [u.id, u.username, u.name])]));
    }),
  );
};
