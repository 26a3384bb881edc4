import { describe, expect, it } from 'vitest';
import { redactLine, redactUrl } from './log-redaction.js';

describe('log redaction', () => {
  it('replaces token query values in URLs and leaves the rest', () => {
    expect(redactUrl('/api/v4/jobs/1/trace?token=abc&state=running')).toBe('/api/v4/jobs/1/trace?token=[REDACTED]&state=running');
    expect(redactUrl('/x?a=1&private_token=p&job_token=j&access_token=t&registration_token=r&PASSWORD=w')).toBe(
      '/x?a=1&private_token=[REDACTED]&job_token=[REDACTED]&access_token=[REDACTED]&registration_token=[REDACTED]&PASSWORD=[REDACTED]',
    );
    expect(redactUrl('/api/v4/jobs?tokens_seen=1&mytoken')).toBe('/api/v4/jobs?tokens_seen=1&mytoken');
  });

  it('scrubs message text, auth headers and URL passwords of a JSON log line', () => {
    const line = JSON.stringify({
      msg: 'Route GET:/nope?token=s1#frag not found',
      headers: { authorization: 'Bearer s2', 'PRIVATE-TOKEN': 's3', 'job-token': 'a\\"s4' },
      repo: 'http://gitlab-ci-token:s5@127.0.0.1:8080/g/p.git',
    });
    const out = redactLine(line);
    for (const s of ['s1', 's2', 's3', 's4', 's5']) expect(out).not.toContain(s);
    expect(JSON.parse(out)).toEqual({
      msg: 'Route GET:/nope?token=[REDACTED]#frag not found',
      headers: { authorization: '[REDACTED]', 'PRIVATE-TOKEN': '[REDACTED]', 'job-token': '[REDACTED]' },
      repo: 'http://gitlab-ci-token:[REDACTED]@127.0.0.1:8080/g/p.git',
    });
  });
});
