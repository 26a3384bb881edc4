// `gitlab-ci-dispatcher serve`: the server for a team. First start creates an admin token
// (printed once, stored hashed) and an instance registration token, and prints how to register
// a gitlab-runner. SIGTERM/SIGINT: stop accepting, release long polls with 204, let in-flight
// requests finish, close the store, exit 0.
import type { RegisterCommand } from './types.js';
import { loadServerConfig } from '../../server/config.js';

export const registerServe: RegisterCommand = (program, setExit) => {
  program
    .command('serve')
    .description('run the dispatcher server (runner API v4, git over HTTP, web UI)')
    .option('--data <dir>', 'data directory (SQLite, repositories, artifacts, traces)')
    .option('--host <host>', 'address to bind (default 127.0.0.1)')
    .option('--port <port>', 'port (default 8080)')
    .option('--database <url>', 'postgres://… to use PostgreSQL instead of SQLite')
    .option('--external-url <url>', 'URL runners and users reach this server at')
    .option('--long-poll <seconds>', 'how long jobs/request is held when nothing is pending')
    .option('--stale-job-timeout <seconds>', 'fail a running job with no update for this long (default 3600, min 60)')
    .option('--config <file>', 'JSON config file (flags > GCD_* environment > file > defaults)')
    .option('--log-level <level>', 'silent, error, warn, info or debug')
    .addHelpText('after', '\nExample:\n  $ gitlab-ci-dispatcher serve --data /var/lib/gcd --host 0.0.0.0 --port 8080 --external-url http://ci.example:8080\n')
    .action(async (opts: Record<string, string | undefined>) => {
      // Everything the server writes (secret key, database, traces, artifacts, repositories,
      // through git too) is owner-only: files 0600, directories 0700.
      process.umask(0o077);
      const config = loadServerConfig({
        configFile: opts.config,
        env: process.env,
        flags: {
          dataDir: opts.data,
          host: opts.host,
          port: opts.port === undefined ? undefined : Number(opts.port),
          database: opts.database,
          externalUrl: opts.externalUrl,
          longPollSeconds: opts.longPoll === undefined ? undefined : Number(opts.longPoll),
          staleJobSeconds: opts.staleJobTimeout === undefined ? undefined : Number(opts.staleJobTimeout),
          logLevel: opts.logLevel as never,
        },
      });
      if (config.port === 0 && opts.port === undefined && !process.env.GCD_PORT) config.port = 8080;
      const { createServer } = await import('../../server/create-server.js');
      const server = await createServer(config);
      const url = await server.start();
      const out = process.stdout;
      out.write(`gitlab-ci-dispatcher listening on ${url} (data: ${config.dataDir}, database: ${config.database ? 'postgresql' : 'sqlite'})\n`);
      const chosen = process.env.GCD_REGISTRATION_TOKEN;
      if (chosen) await server.coordinator.resetRegistrationToken(chosen);
      if (!(await server.coordinator.hasAdminToken())) {
        const { token } = await server.coordinator.createApiToken('admin', 'admin');
        const registration = chosen ?? (await server.coordinator.resetRegistrationToken());
        out.write(
          [
            '',
            'First start: save these, they are shown only once.',
            `  admin token:         ${token}`,
            `  registration token:  ${registration}`,
            '',
            'Register an official gitlab-runner:',
            `  gitlab-runner register --non-interactive --url ${url} --registration-token ${registration} --executor shell --description my-runner`,
            'or the built-in runner:',
            `  gitlab-ci-dispatcher runner register --url ${url} --registration-token ${registration}`,
            '',
          ].join('\n') + '\n',
        );
      }
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      out.write('shutting down…\n');
      await server.close();
      setExit(0);
    });
};
