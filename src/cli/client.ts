// HTTP client of the dispatcher's UI/CLI API (/api/ui, see src/api/README.md) for the client
// commands. Server URL and token: --url/--token, else GITLAB_CI_DISPATCHER_URL/_TOKEN.
import type { Command } from 'commander';
import { UsageError } from './args.js';

export interface ClientOptions {
  url?: string;
  token?: string;
}

export class ClientError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export function addConnectionOptions(command: Command): Command {
  return command
    .option('--url <url>', 'server URL (env GITLAB_CI_DISPATCHER_URL)')
    .option('--token <token>', 'API token (env GITLAB_CI_DISPATCHER_TOKEN)');
}

/** `prefix`: /api/ui (the UI/CLI API, default) or /api/v4 (GitLab's REST API, src/rest/). */
export function createClient(opts: ClientOptions, prefix = '/api/ui') {
  const base = (opts.url ?? process.env.GITLAB_CI_DISPATCHER_URL ?? '').replace(/\/+$/, '');
  if (!base) throw new ClientError('no server: pass --url or set GITLAB_CI_DISPATCHER_URL', 2);
  const token = opts.token ?? process.env.GITLAB_CI_DISPATCHER_TOKEN;
  const headers = (extra: Record<string, string> = {}): Record<string, string> => ({
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...extra,
  });

  async function request(method: string, path: string, init: { body?: unknown; raw?: RequestInit['body']; contentType?: string; query?: Record<string, string | string[] | undefined> } = {}): Promise<Response> {
    const url = new URL(`${base}${prefix}${path}`);
    for (const [k, v] of Object.entries(init.query ?? {})) {
      if (v === undefined) continue;
      for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, item);
    }
    const hasJson = init.body !== undefined;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: headers({
          ...(hasJson ? { 'content-type': 'application/json' } : {}),
          ...(init.contentType ? { 'content-type': init.contentType } : {}),
        }),
        body: hasJson ? JSON.stringify(init.body) : init.raw,
        ...(init.raw ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (error) {
      throw new ClientError(`cannot reach ${base}: ${(error as Error).cause ?? (error as Error).message}`, 2);
    }
    if (!response.ok) {
      let message = `${response.status} ${response.statusText}`;
      try {
        const body = (await response.json()) as { message?: unknown; error?: unknown; diagnostics?: { file: string; line: number; column: number; message: string }[] };
        if (body.diagnostics) message = body.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: error: ${d.message}`).join('\n');
        else if (body.message) message = `${response.status}: ${typeof body.message === 'string' ? body.message : JSON.stringify(body.message)}`;
        else if (typeof body.error === 'string') message = `${response.status}: ${body.error}`;
      } catch {}
      throw new ClientError(message, response.status);
    }
    return response;
  }

  return {
    base,
    request,
    async json<T = unknown>(method: string, path: string, init?: Parameters<typeof request>[2]): Promise<T> {
      const response = await request(method, path, init);
      if (response.status === 204) return undefined as T;
      return (await response.json()) as T;
    },
  };
}

export type Client = ReturnType<typeof createClient>;

/** Runs a client command action, printing errors and mapping them to exit codes (1, or 2 for usage/connection). */
export function clientAction<A extends unknown[]>(setExit: (code: number) => void, fn: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (error) {
      process.stderr.write(`error: ${(error as Error).message}\n`);
      setExit((error instanceof ClientError && error.status === 2) || error instanceof UsageError ? 2 : 1);
    }
  };
}

export { collect, parseKeyValues } from './args.js';

/** A plain text table: columns padded to their widest cell. */
export function table(rows: (string | number | null | undefined)[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))));
  const widths = cells[0]?.map((_, i) => Math.max(...cells.map((r) => r[i]?.length ?? 0))) ?? [];
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
}
