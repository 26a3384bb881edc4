// Differential test against gitlab-ci-local (--list-json), the leading TypeScript peer: job
// names, stages, `when`, `allow_failure` and needs must agree on every valid fixture, except where
// gitlab-ci-local departs from GitLab's documented behaviour. Those departures are listed per
// fixture in expected.json `differences`, and the normalisations below are applied to all:
//
//  N1  `parallel: N` jobs: gitlab-ci-local names them `job: [1/3]`; GitLab names them `job 1/3`
//      (docs, `parallel`: "jobs named test 1/3, test 2/3, test 3/3").
//  N2  matrix jobs: gitlab-ci-local writes `job: [a,b]`; GitLab writes `job: [a, b]` (docs,
//      `parallel:matrix`: "deploystacks: [aws, app1]").
//  N3  gitlab-ci-local's --list-json includes `when: never` jobs; GitLab creates no such job.
//  N4  `allow_failure: {exit_codes}`: gitlab-ci-local prints the hash; GitLab's job is not allowed
//      to fail except for those codes, i.e. allow_failure false + exit codes (our PlanJob keeps both).
//  N5  needs are compared by producer job: gitlab-ci-local lists the parallel producer (`build`),
//      GitLab's normaliser expands it to every instance (`build 1/2`, `build 2/2`).
//
// Per-fixture departures seen here (docs/peers.md): a plain `when: manual` job is
// `allow_failure: true` in GitLab (gitlab-ci-local: false); `only`/`except` are ignored by
// gitlab-ci-local; `workflow:rules` that stop the pipeline still run it there; an optional need on
// a job that is not in the pipeline is dropped by GitLab (kept there); YAML 1.1 booleans (`on`).
//
// Each fixture runs in a temporary git repository (gitlab-ci-local writes state files), with the
// Node 22 binary it needs. Skipped with a message when tools/gitlab-ci-local is not installed.
import { describe, expect, it } from 'vitest';
import { compile, filesFromMap, type PipelinePlan } from './index.js';
import { baseContext, loadFixtures, type Fixture } from './test-support/fixtures.js';
import { gitlabCiLocalAvailable, listJson, type GclJob } from './test-support/gitlab-ci-local.js';

const available = gitlabCiLocalAvailable();
if (!available) console.warn('differential test skipped: gitlab-ci-local is not installed (npm ci --prefix tools/gitlab-ci-local)');

const producer = (name: string) => name.replace(/ \d+\/\d+$/, '').replace(/: \[.*\]$/, '');

/** Lines describing where the two plans disagree, after N1-N5. */
function comparePlans(plan: PipelinePlan, theirsRaw: GclJob[]): string[] {
  const theirs = theirsRaw
    .filter((j) => j.when !== 'never')
    .map((j) => ({
      ...j,
      name: j.name.replace(/: \[(\d+\/\d+)\]$/, ' $1').replace(/: \[(.*)\]$/, (_m, inner: string) => `: [${inner.split(',').map((s) => s.trim()).join(', ')}]`),
      allow_failure: typeof j.allow_failure === 'object' && j.allow_failure !== null && 'exit_codes' in j.allow_failure ? false : j.allow_failure,
    }));
  const diffs: string[] = [];
  const ours = new Map(plan.jobs.map((j) => [j.name, j]));
  const them = new Map(theirs.map((j) => [j.name, j]));
  for (const n of ours.keys()) if (!them.has(n)) diffs.push(`only ours: ${n}`);
  for (const n of them.keys()) if (!ours.has(n)) diffs.push(`only theirs: ${n}`);
  for (const [n, o] of ours) {
    const t = them.get(n);
    if (!t) continue;
    if (o.stage !== t.stage) diffs.push(`${n}: stage ${o.stage} vs ${t.stage}`);
    if (o.when !== t.when) diffs.push(`${n}: when ${o.when} vs ${t.when}`);
    if (o.allowFailure !== t.allow_failure) diffs.push(`${n}: allow_failure ${o.allowFailure} vs ${JSON.stringify(t.allow_failure)}`);
    const on = o.needs === null ? null : [...new Set(o.needs.map((x) => producer(x.job)))].sort().join(',');
    const tn = t.needs === undefined ? null : [...new Set(t.needs.map((x) => producer(x.job)))].sort().join(',');
    if (on !== tn) diffs.push(`${n}: needs ${on} vs ${tn}`);
  }
  return diffs;
}

const eligible = (fx: Fixture) => fx.expected.valid && fx.expected.differential !== false;

describe.skipIf(!available)('differential: gitlab-ci-local --list-json', () => {
  const fixtures = loadFixtures().filter(eligible);

  it('covers at least 30 fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(30);
  });

  // Two gitlab-ci-local processes at a time (the machine has 2 cores).
  const results = new Map<string, Promise<GclJob[]>>();
  const chain: Promise<unknown>[] = [Promise.resolve(), Promise.resolve()];
  fixtures.forEach((fx, i) => {
    const lane = i % 2;
    const p = chain[lane].then(() => listJson(fx.files, { variables: fx.expected.context?.variables ?? {} }));
    chain[lane] = p.catch(() => undefined);
    p.catch(() => undefined);
    results.set(fx.name, p);
  });

  for (const fx of fixtures) {
    it(fx.name, async () => {
      const theirs = await results.get(fx.name)!;
      const plan = compile({ configPath: fx.expected.configPath, files: filesFromMap(fx.files), context: { ...baseContext, ...fx.expected.context } });
      expect(comparePlans(plan, theirs)).toEqual(fx.expected.differences ?? []);
    });
  }
});
