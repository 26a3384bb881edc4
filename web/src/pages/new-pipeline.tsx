// "Run pipeline": a branch or tag and variables; starts a pipeline for the ref's latest commit
// (POST /projects/:project/pipelines, source "web") and opens it.
import { useEffect, useState } from 'preact/hooks';
import { get, send } from '../api';
import { ErrorBox, Icon, Link, useAsync, useTitle } from '../components/common';
import { LoadError } from '../components/not-found';
import { navigate } from '../router';
import { canAct, signInHref, useSession } from '../session';
import type { PipelineDetail, Project } from '../types';

interface Row {
  key: string;
  value: string;
}

export function NewPipelinePage({ project }: { project: string }) {
  const proj = useAsync((signal) => get<Project>(`/projects/${encodeURIComponent(project)}`, signal), [project]);
  const session = useSession();
  const [ref, setRef] = useState('');
  const [vars, setVars] = useState<Row[]>([{ key: '', value: '' }]);
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  useTitle(`Run pipeline · ${proj.data?.path ?? project}`);
  useEffect(() => {
    if (proj.data && !ref) setRef(new URLSearchParams(location.search).get('ref') ?? proj.data.defaultBranch);
  }, [proj.data]);

  if (proj.error) return <LoadError error={proj.error} what="Project" />;
  const signedIn = canAct(session);
  const edit = (i: number, field: keyof Row, value: string) => {
    const next = vars.map((v, j) => (j === i ? { ...v, [field]: value } : v));
    if (i === next.length - 1 && value) next.push({ key: '', value: '' });
    setVars(next);
  };
  const remove = (i: number) => setVars(vars.length > 1 ? vars.filter((_, j) => j !== i) : [{ key: '', value: '' }]);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const variables = vars.filter((v) => v.key.trim() !== '').map((v) => ({ key: v.key.trim(), value: v.value }));
      const created = await send<PipelineDetail>('POST', `/projects/${encodeURIComponent(project)}/pipelines`, { ref: ref.trim(), variables });
      navigate(`/pipelines/${created.pipeline.id}`);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  const projectHref = `/projects/${encodeURIComponent(project)}`;
  return (
    <>
      <div class="breadcrumbs">
        <Link href="/">Projects</Link> / <Link href={projectHref}>{proj.data?.path ?? project}</Link> / <span>Run pipeline</span>
      </div>
      <div class="page-head">
        <h1>Run pipeline</h1>
      </div>
      {!signedIn && session ? (
        <div class="alert alert-info">
          <Link href={signInHref()}>Sign in</Link> to run a pipeline.
        </div>
      ) : null}
      <form class="form run-form" onSubmit={submit} data-testid="run-pipeline-form">
        <label>
          Run for branch name or tag
          <input name="ref" value={ref} onInput={(e) => setRef((e.target as HTMLInputElement).value)} required autocomplete="off" spellcheck={false} />
        </label>
        <fieldset class="vars-fieldset">
          <legend>Variables</legend>
          <p class="muted small">Specify variable values to be used in this run. They take precedence over the project's and the file's.</p>
          {vars.map((v, i) => (
            <div class="var-row" key={i}>
              <input placeholder="Input variable key" aria-label={`Variable ${i + 1} key`} value={v.key} onInput={(e) => edit(i, 'key', (e.target as HTMLInputElement).value)} spellcheck={false} data-testid="var-key" />
              <input placeholder="Input variable value" aria-label={`Variable ${i + 1} value`} value={v.value} onInput={(e) => edit(i, 'value', (e.target as HTMLInputElement).value)} spellcheck={false} data-testid="var-value" />
              <button type="button" class="btn btn-icon" title="Remove variable" aria-label={`Remove variable ${i + 1}`} onClick={() => remove(i)} disabled={vars.length === 1 && !v.key && !v.value}>
                {Icon.cancel}
              </button>
            </div>
          ))}
        </fieldset>
        <ErrorBox error={error} />
        <div class="row-gap">
          <button type="submit" class="btn btn-primary" disabled={busy || !signedIn} data-testid="run-pipeline-submit">
            {Icon.play} Run pipeline
          </button>
          <Link href={projectHref} class="btn">
            Cancel
          </Link>
        </div>
      </form>
    </>
  );
}
