import { describe, expect, it } from 'vitest';
import { rewritePayload, shortenTimeout } from './rewrite.js';

const payload = JSON.stringify({
  id: 1,
  token: 't',
  git_info: { repo_url: 'http://gitlab-ci-token:t@gitlab.local:8080/g/p.git', sha: 'abcdef0123' },
  variables: [
    { key: 'CI_REPOSITORY_URL', value: 'http://gitlab-ci-token:t@gitlab.local:8080/g/p.git' },
    { key: 'OTHER', value: 'http://gitlab.local:8080/x' },
  ],
});

describe('--proxy-git payload rewriting', () => {
  it('moves the repo URL to the relay, keeping path and credentials', () => {
    const out = JSON.parse(rewritePayload(payload, { upstreamUrl: 'http://gitlab.local:8080', relayUrl: 'http://10.0.2.2:8093', git: true }));
    expect(out.git_info.repo_url).toBe('http://gitlab-ci-token:t@10.0.2.2:8093/g/p.git');
    expect(out.variables[0].value).toBe('http://gitlab-ci-token:t@10.0.2.2:8093/g/p.git');
    expect(out.variables[1].value).toBe('http://gitlab.local:8080/x');
  });

  it('hands the payload out byte for byte without it, and leaves foreign hosts alone', () => {
    expect(rewritePayload(payload, { upstreamUrl: 'http://gitlab.local:8080', relayUrl: 'http://r:1', git: false })).toBe(payload);
    const out = JSON.parse(rewritePayload(payload, { upstreamUrl: 'http://other:8080', relayUrl: 'http://r:1', git: true }));
    expect(out.git_info.repo_url).toBe('http://gitlab-ci-token:t@gitlab.local:8080/g/p.git');
  });
});

describe('job timeout handed to the inner runner', () => {
  it('is shortened by the time since the upstream pickup plus a margin, never below 1 s', () => {
    const raw = JSON.stringify({ id: 1, runner_info: { timeout: 60 } });
    expect(JSON.parse(shortenTimeout(raw, 7_200)).runner_info.timeout).toBe(50);
    expect(JSON.parse(shortenTimeout(raw, 90_000)).runner_info.timeout).toBe(1);
    expect(shortenTimeout(JSON.stringify({ id: 1 }), 5000)).toBe(JSON.stringify({ id: 1 }));
  });
});
