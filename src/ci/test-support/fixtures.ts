// Fixture folders: `.gitlab-ci.yml` (+ included files) and `expected.json`; shared by the fixture
// test and the differential test.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { CompileContext } from '../plan.js';

export const FIXTURES_DIR = new URL('../fixtures/', import.meta.url).pathname;

export interface FixtureExpectation {
  /** Included in the gitlab-ci-local differential test. */
  differential?: boolean;
  /** Why a valid fixture is left out of the differential test. */
  differentialSkip?: string;
  context?: Partial<CompileContext>;
  configPath?: string;
  valid: boolean;
  /** Exact list of `file:line:col: error: message` lines. */
  errors: string[];
  /** Exact list of `file:line:col: hint: message` lines of the errors' hints (default: none). */
  hints?: string[];
  /** Substrings, each expected in some warning. */
  warnings?: string[];
  stages?: string[];
  workflow?: Record<string, unknown>;
  /** Exact job list (in plan order), each with a partial `lint --json` job object. */
  jobs?: Record<string, Record<string, unknown>>;
  /** Partial PlanJob objects for fields `lint --json` does not show. */
  plan?: Record<string, Record<string, unknown>>;
  /** Deliberate differences from gitlab-ci-local, for the differential test. */
  differences?: string[];
  /** The GitLab documented behaviour that justifies `differences`. */
  differencesWhy?: string;
}

export interface Fixture {
  name: string;
  dir: string;
  files: Record<string, string>;
  expected: FixtureExpectation;
}

export const baseContext: CompileContext = {
  ref: 'main',
  isTag: false,
  sha: '0123456789abcdef0123456789abcdef01234567',
  source: 'push',
  defaultBranch: 'main',
  projectPath: 'group/project',
  changedFiles: null,
  variables: {},
};

function readTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (!(dir === root && name === 'expected.json')) out[relative(root, full).split(sep).join('/')] = readFileSync(full, 'utf8');
    }
  };
  walk(root);
  return out;
}

export function loadFixtures(): Fixture[] {
  return readdirSync(FIXTURES_DIR)
    .sort()
    .map((name) => {
      const dir = join(FIXTURES_DIR, name);
      return { name, dir, files: readTree(dir), expected: JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as FixtureExpectation };
    });
}
