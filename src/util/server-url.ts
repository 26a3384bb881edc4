// The parts of the server's external URL behind GitLab's CI_SERVER_* and CI_API_* variables, for
// the compiler (what rules see) and the runner API (what jobs get).
export function serverUrlParts(externalUrl: string) {
  const url = new URL(externalUrl);
  const protocol = url.protocol.replace(/:$/, '');
  const port = url.port || (protocol === 'https' ? '443' : '80');
  const base = url.origin + url.pathname.replace(/\/+$/, '');
  return { url, protocol, port, host: url.hostname, fqdn: url.host, base };
}
