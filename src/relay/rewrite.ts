// --proxy-git / --proxy-artifacts: for environments that reach only the relay (isolated
// networks), the payload handed to the inner runner points git at the relay instead of the
// upstream. The repo URL keeps its path and its gitlab-ci-token:<job token> credentials; the
// relay forwards git smart HTTP to the upstream (inner-server.ts). Artifact uploads and
// downloads already go to RELAY_URL (the runner's --url); --proxy-artifacts additionally
// brings redirects to the upstream back through the relay.

/** The payload with git_info.repo_url (and CI_REPOSITORY_URL) moved from the upstream's origin to the relay's. */
export function rewritePayload(raw: string, opts: { upstreamUrl: string; relayUrl: string; git: boolean }): string {
  if (!opts.git) return raw;
  const upstream = new URL(opts.upstreamUrl).origin;
  const relay = new URL(opts.relayUrl);
  let job: { git_info?: { repo_url?: string }; variables?: { key: string; value: string }[] };
  try {
    job = JSON.parse(raw) as typeof job;
  } catch {
    return raw;
  }
  const move = (u: string): string => {
    try {
      const url = new URL(u);
      if (url.origin !== upstream) return u;
      url.protocol = relay.protocol;
      url.host = relay.host;
      return url.toString();
    } catch {
      return u;
    }
  };
  if (job.git_info?.repo_url) job.git_info.repo_url = move(job.git_info.repo_url);
  for (const v of job.variables ?? []) if (v.key === 'CI_REPOSITORY_URL' && typeof v.value === 'string') v.value = move(v.value);
  return JSON.stringify(job);
}

/**
 * The upstream's clock for the job timeout started when the relay took the job; the inner runner's
 * starts when it picks the job up. Its runner_info.timeout is shortened by that delay (plus a
 * margin), so that the runner times out first and reports its log, as it would directly, rather
 * than the upstream failing the job under it and refusing the rest of its log.
 */
export function shortenTimeout(raw: string, elapsedMs: number, marginS = 2): string {
  let job: { runner_info?: { timeout?: unknown } };
  try {
    job = JSON.parse(raw) as typeof job;
  } catch {
    return raw;
  }
  const t = job.runner_info?.timeout;
  if (typeof t !== 'number' || !(t > 0)) return raw;
  job.runner_info!.timeout = Math.max(1, t - Math.ceil(elapsedMs / 1000) - marginS);
  return JSON.stringify(job);
}
