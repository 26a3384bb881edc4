// The shell probe's answer, and the POSIX form of the step script (for images without bash)
// run by a real POSIX shell (dash).
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseProbeOutput } from './detect-shell.js';
import { bashScript } from '../shell/bash-script.js';

describe('shell detection', () => {
  it('reads the probe answer', () => {
    expect(parseProbeOutput('gcd-shell=bash\n')).toBe('bash');
    expect(parseProbeOutput('entrypoint noise\ngcd-shell=sh\n')).toBe('sh');
    expect(parseProbeOutput('sh: not found')).toBeNull();
  });
  it('the POSIX script has no bash-isms: no $\'…\' quoting, pipefail only where the shell has it', () => {
    const s = bashScript({ commands: ["echo 'it''s'", 'a\nb'], cwd: "/b/it's", posix: true });
    expect(s).not.toContain("$'");
    expect(s).toContain("if (set -o pipefail) 2>/dev/null; then set -o pipefail; fi");
    expect(s).toContain("cd -- '/b/it'\\''s'");
    expect(bashScript({ commands: ['x'], cwd: '/b' })).toContain('set -eo pipefail');
  });

  it.skipIf(!existsSync('/usr/bin/dash'))('the POSIX script runs in dash (no bash-isms): quoting, announcements, exit status of the failing command', () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gcd-posix-it's "));
    try {
      const file = path.join(dir, 's.sh');
      writeFileSync(file, bashScript({ commands: ["echo \"it's\" 'fine'", 'printf "%s\\n" one\\\n  two', 'false | true', 'exit 7', 'echo never'], cwd: dir, posix: true }));
      const r = spawnSync('/usr/bin/dash', [file], { encoding: 'utf8' });
      expect(r.status).toBe(7);
      expect(r.stdout).toContain(`\x1b[32;1m$ echo "it's" 'fine'\x1b[0;m\nit's fine\n`);
      expect(r.stdout).toContain('one\ntwo\n');
      expect(r.stdout).not.toContain('never');
      expect(execFileSync('/usr/bin/dash', ['-c', 'echo ok'], { encoding: 'utf8' })).toBe('ok\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
