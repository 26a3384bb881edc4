// `job logs [-f]|retry|cancel|play` against a server.
import type { Command } from 'commander';
import type { RegisterCommand } from './types.js';
import { addConnectionOptions, clientAction, collect, createClient, parseKeyValues } from '../client.js';
import { cleanLog } from '../log-text.js';
import { readSse } from '../sse.js';

export const registerJob: RegisterCommand = (program: Command, setExit) => {
  const job = program.command('job').description('job logs and actions on a server').addHelpText('after', '\nExample:\n  $ gitlab-ci-dispatcher job logs 42 -f\n');

  addConnectionOptions(
    job
      .command('logs')
      .description("print a job's log (-f: follow it until the job ends)")
      .argument('<id>')
      .option('-f, --follow', 'follow the live log')
      .option('--raw', 'print the log as stored (ANSI colours, section markers, timestamps)')
      .addHelpText('after', '\nExample:\n  $ gitlab-ci-dispatcher job logs -f 42\n'),
  ).action(
    clientAction(setExit, async (id: string, opts: Record<string, unknown>) => {
      const client = createClient(opts);
      const color = process.stdout.isTTY && !process.env.NO_COLOR;
      const print = (text: string): void => void process.stdout.write(opts.raw ? text : cleanLog(text, { color }).join('\n'));
      if (!opts.follow) {
        const response = await client.request('GET', `/jobs/${encodeURIComponent(id)}/trace`);
        print(await response.text());
        return;
      }
      const response = await client.request('GET', `/jobs/${encodeURIComponent(id)}/trace/stream`, { query: { offset: '0' } });
      let pending = '';
      for await (const message of readSse(response)) {
        if (message.event === 'append') {
          const { text } = JSON.parse(message.data) as { text: string };
          pending += text;
          const cut = pending.lastIndexOf('\n');
          if (cut >= 0) {
            print(pending.slice(0, cut + 1));
            pending = pending.slice(cut + 1);
          }
        } else if (message.event === 'end') {
          if (pending) print(`${pending}\n`);
          const { job: final } = JSON.parse(message.data) as { job: { status: string } };
          if (final.status === 'failed') setExit(1);
          return;
        }
      }
    }),
  );

  for (const action of ['retry', 'cancel', 'play'] as const) {
    const command = job.command(action).description(`${action} a job`).argument('<id>');
    if (action === 'play') command.option('--variable <K=V>', 'variable for the manual job (repeatable)', collect, []);
    command.addHelpText('after', `\nExample:\n  $ gitlab-ci-dispatcher job ${action} 42${action === 'play' ? ' --variable TARGET=staging' : ''}\n`);
    addConnectionOptions(command).action(
      clientAction(setExit, async (id: string, opts: Record<string, unknown>) => {
        const client = createClient(opts);
        const body = action === 'play' ? { variables: parseKeyValues((opts.variable as string[]) ?? []) } : undefined;
        const result = await client.json<{ job: { id: number; name: string; status: string } }>('POST', `/jobs/${encodeURIComponent(id)}/${action}`, { body });
        process.stdout.write(`Job #${result.job.id} ${result.job.name} is ${result.job.status}\n`);
      }),
    );
  }
};
