// The coordinator URL as gitlab-runner normalises it: trim a trailing "/" and "/ci", then
// append "/api/v4/". A path prefix is kept (https://host/prefix → https://host/prefix/api/v4/).

export function apiBaseUrl(url: string): string {
  let u = url.trim();
  while (u.endsWith('/')) u = u.slice(0, -1);
  if (u.endsWith('/ci')) u = u.slice(0, -3);
  while (u.endsWith('/')) u = u.slice(0, -1);
  const parsed = new URL(u);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`unsupported coordinator URL scheme: ${parsed.protocol}`);
  }
  return `${u}/api/v4/`;
}
