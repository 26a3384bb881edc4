// The relay's state file (<data dir>/relay-state.json, mode 0600: it holds job tokens): which
// jobs run in which environment. Written atomically (temp file + rename) after every change, so a
// relay killed at any instant can be restarted and find its environments again: adopt those that
// still run, fail upstream the jobs of those that are gone (recover.ts).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EnvironmentRef } from './launchers/types.js';
import type { FinalUpdate, JobSession, SessionTimes } from './job-session.js';

export interface StoredJob {
  jobId: number;
  jobToken: string;
  name: string;
  oneTimeToken: string;
  handedOut: boolean;
  deadline: number;
  times: SessionTimes;
  traceLength: number;
  final: FinalUpdate | null;
  dependencies: { id: number; token: string }[];
  env: EnvironmentRef | null;
  jobDir: string;
}

export interface StateFileContent {
  version: 1;
  pid: number;
  listen: string;
  updatedAt: string;
  jobs: StoredJob[];
}

export const STATE_FILE = 'relay-state.json';

export function stateFilePath(dataDir: string): string {
  return path.join(dataDir, STATE_FILE);
}

export function readStateFile(dataDir: string): StateFileContent | null {
  let text: string;
  try {
    text = readFileSync(stateFilePath(dataDir), 'utf8');
  } catch {
    return null;
  }
  try {
    const v = JSON.parse(text) as StateFileContent;
    if (v?.version !== 1 || !Array.isArray(v.jobs)) return null;
    return v;
  } catch {
    return null;
  }
}

export function storedJobOf(s: JobSession, jobDir: string, dependencies: { id: number; token: string }[]): StoredJob {
  return {
    jobId: s.jobId,
    jobToken: s.jobToken,
    name: s.name,
    oneTimeToken: s.oneTimeToken,
    handedOut: s.handedOut,
    deadline: s.deadline,
    times: s.times,
    traceLength: s.traceLength,
    final: s.final,
    dependencies,
    env: s.env?.ref ?? null,
    jobDir,
  };
}

export function writeStateFile(dataDir: string, content: Omit<StateFileContent, 'version' | 'updatedAt' | 'pid'>): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = stateFilePath(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  const full: StateFileContent = { version: 1, pid: process.pid, updatedAt: new Date().toISOString(), ...content };
  writeFileSync(tmp, JSON.stringify(full, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}
