// Which build directories a `run` uses: <data>/builds/run-<n>, the lowest n no other live `run` on
// the same data directory holds. Keeping the name from one run to the next (the built-in
// runner's token is new every run) lets a job fetch into the clone an earlier run left (the
// fetch strategy: checkout -f + clean -ffdx still make it a clean tree of the commit), instead of
// git init + a full fetch. The lease is a file created exclusively with the holder's pid; one
// whose process is gone is taken over.
import { mkdirSync, openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

export interface BuildsDirLease {
  /** The folder name under <data>/builds (`run-<n>`). */
  name: string;
  release(): void;
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function leaseBuildsDir(buildsDir: string, maxTries = 64): BuildsDirLease {
  mkdirSync(buildsDir, { recursive: true });
  for (let n = 0; n < maxTries; n++) {
    const name = `run-${n}`;
    const file = path.join(buildsDir, `${name}.lock`);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(file, 'wx', 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return { name, release: () => rmSync(file, { force: true }) };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        let text: string;
        try {
          text = readFileSync(file, 'utf8').trim();
        } catch {
          continue; // released meanwhile: try again
        }
        // empty: its holder is between creating and writing it
        if (!text || alive(Number(text))) break; // taken: the next n
        rmSync(file, { force: true }); // a crashed run's: take it over
      }
    }
  }
  throw new Error(`no free build directory under ${buildsDir} (${maxTries} runs hold one)`);
}
