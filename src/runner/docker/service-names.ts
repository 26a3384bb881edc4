// The host names a service is reachable under, as gitlab-runner derives them
// (splitServiceAndVersion): the image name without tag/digest and without a registry port,
// with "/" replaced by "__", and by "-" (the RFC 1123 form) when that differs; then the
// service's aliases (`alias:` split on commas and spaces, service_multiple_aliases).
//   postgres:15                 → postgres
//   tutum/wordpress             → tutum__wordpress, tutum-wordpress
//   registry.local:5000/a/b:1.0 → registry.local__a__b, registry.local-a-b

export function imageServiceName(name: string): string {
  let n = name.split('@')[0];
  const slash = n.lastIndexOf('/');
  const colon = n.lastIndexOf(':');
  if (colon > slash) n = n.slice(0, colon);
  // a registry host:port as the first component
  n = n.replace(/^([^/]+):[0-9]+(\/|$)/, '$1$2');
  return n;
}

export function splitAliases(alias: string | undefined): string[] {
  return (alias ?? '').replaceAll(',', ' ').split(/\s+/).filter(Boolean);
}

export function serviceHostNames(service: { name: string; alias?: string }): string[] {
  const base = imageServiceName(service.name);
  const names: string[] = [];
  if (base) {
    names.push(base.replaceAll('/', '__'));
    const alt = base.replaceAll('/', '-');
    if (alt !== names[0]) names.push(alt);
  }
  for (const a of splitAliases(service.alias)) if (!names.includes(a)) names.push(a);
  return names;
}
