// Tokens never reach the server log. Runners and users may send them in the query string
// (`?token=`, `private_token`, `job_token`, `access_token`, `registration_token`, …), in auth
// headers, or inside URLs (`http://gitlab-ci-token:<job token>@host/…`). Two layers:
//   1. the `req` serializer logs the URL with such query values replaced by [REDACTED];
//   2. every log line is scrubbed on its way out, for what a serializer never sees (fastify's
//      "Route GET:/x?token=… not found" message, error messages that quote a URL, headers).
import type { FastifyRequest } from 'fastify';
import type { Writable } from 'node:stream';

export const REDACTED = '[REDACTED]';

// a query parameter whose name is or ends in `token`, or a password/secret
const QUERY = /([?&](?:[A-Za-z0-9_.-]*token|password|secret)=)[^&#\s"'\\]*/gi;
// "authorization":"Bearer …", "private-token":"…", "job-token":"…" in a JSON log line
const HEADER = /("(?:authorization|proxy-authorization|private-token|job-token|cookie|x-gitlab-token)"\s*:\s*")(?:[^"\\]|\\.)*/gi;
// user:password@ in a URL
const USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@"]+:)[^@\s"/]+@/gi;

export function redactUrl(url: string): string {
  return url.replace(QUERY, `$1${REDACTED}`);
}

export function redactLine(line: string): string {
  return line.replace(QUERY, `$1${REDACTED}`).replace(HEADER, `$1${REDACTED}`).replace(USERINFO, `$1${REDACTED}@`);
}

/** fastify `logger` options: the level, a redacting `req` serializer, a scrubbing stream. */
export function redactingLogger(level: string, out: Pick<Writable, 'write'> = process.stdout) {
  return {
    level,
    serializers: {
      req: (req: FastifyRequest) => ({
        method: req.method,
        url: redactUrl(req.url),
        host: req.host,
        remoteAddress: req.ip,
        remotePort: req.socket ? req.socket.remotePort : undefined,
      }),
    },
    stream: { write: (line: string) => out.write(redactLine(line)) },
  };
}
