// What the built-in runner calls itself (User-Agent, info.name/version/architecture): apart from
// the HTTP client so that what only needs the names (runner-info.ts, and through it every CLI
// command) doesn't load undici.
export const RUNNER_NAME = 'gitlab-ci-dispatcher-runner';
export const RUNNER_VERSION = '0.1.0';

export function goArch(arch: string = process.arch): string {
  return ({ x64: 'amd64', ia32: '386', arm: 'arm', arm64: 'arm64' } as Record<string, string>)[arch] ?? arch;
}
