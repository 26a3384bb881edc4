import { describe, expect, it } from 'vitest';
import type { CiVariable, Job, Pipeline } from './model.js';
import { checkVariable, variablesForJob } from './variables.js';

let ids = 0;
const v = (key: string, value: string, over: Partial<CiVariable> = {}): CiVariable => ({ id: ++ids, projectId: 1, key, value, masked: false, protected: false, file: false, raw: false, environmentScope: '*', ...over });
const jobIn = (environment: string | null) => ({ spec: { environment: environment === null ? null : { name: environment, url: null, action: null } } }) as unknown as Job;
const pipeline = (isProtected: boolean) => ({ protected: isProtected }) as Pipeline;

describe('variables a job gets', () => {
  const project = [v('A', 'all'), v('A', 'prod', { environmentScope: 'production' }), v('A', 'review', { environmentScope: 'review/*' }), v('B', 'only-prod', { environmentScope: 'production' }), v('S', 'secret', { protected: true })];

  it('environment scope: the most specific matching scope per key; none without an environment', () => {
    const values = (env: string | null, prot = false) => variablesForJob({ instance: [], project, job: jobIn(env), pipeline: pipeline(prot) }).map((x) => `${x.key}=${x.value}`);
    expect(values(null)).toEqual(['A=all']);
    expect(values('production')).toEqual(['A=prod', 'B=only-prod']);
    expect(values('review/feature-1')).toEqual(['A=review']);
    expect(values('staging')).toEqual(['A=all']);
    expect(values(null, true)).toEqual(['A=all', 'S=secret']);
  });

  it('checks the rules once for every edge', () => {
    const base = { projectId: null, key: 'K', value: 'x', masked: false, protected: false, file: false, raw: false };
    expect(checkVariable(base).environmentScope).toBe('*');
    expect(() => checkVariable({ ...base, key: 'bad-key' })).toThrow(/key must be/);
    expect(() => checkVariable({ ...base, masked: true, value: 'short' })).toThrow(/masked/);
    expect(() => checkVariable({ ...base, environmentScope: 'a b' })).toThrow(/environment_scope/);
  });
});
