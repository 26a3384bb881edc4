// The shell: top bar with navigation and sign-in state, and the page for the current route.
import { Link } from './components/common';
import { ConnectionNotice } from './components/connection-notice';
import { NotFound } from './components/not-found';
import { AdminPage } from './pages/admin';
import { HooksPage } from './pages/hooks';
import { JobPage } from './pages/job';
import { NewPipelinePage } from './pages/new-pipeline';
import { PipelinePage } from './pages/pipeline';
import { PipelinesPage } from './pages/pipelines';
import { ProjectsPage } from './pages/projects';
import { RunnersPage } from './pages/runners';
import { SignInPage, signOut } from './pages/sign-in';
import { useRoute } from './router';
import { signInHref, useSession } from './session';

export function App() {
  const route = useRoute();
  const session = useSession();
  let page;
  switch (route.name) {
    case 'projects':
      page = <ProjectsPage />;
      break;
    case 'project':
      page = <PipelinesPage project={route.params.project} query={route.query} />;
      break;
    case 'new-pipeline':
      page = <NewPipelinePage project={route.params.project} />;
      break;
    case 'hooks':
      page = <HooksPage project={route.params.project} />;
      break;
    case 'pipeline':
      page = <PipelinePage id={Number(route.params.id)} tab={route.params.tab} />;
      break;
    case 'job':
      page = <JobPage id={Number(route.params.id)} tab={route.params.tab} artifactPath={route.params.mode ? { mode: route.params.mode as 'browse' | 'file', path: route.params.path ?? '' } : undefined} />;
      break;
    case 'runners':
      page = <RunnersPage />;
      break;
    case 'admin':
      page = <AdminPage />;
      break;
    case 'signin':
      page = <SignInPage />;
      break;
    default:
      page = <NotFound what="Page" />;
  }
  const tab = (name: string, href: string, label: string) => (
    <Link href={href} class={route.name === name || (name === 'projects' && ['project', 'new-pipeline', 'pipeline', 'job'].includes(route.name)) ? 'nav-link active' : 'nav-link'}>
      {label}
    </Link>
  );
  return (
    <>
      <header class="topbar">
        <Link href="/" class="brand">
          <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true">
            <path d="M12 21.5L2.5 14.6l1.9-5.9L6.7 2l2.4 6.7h5.8L17.3 2l2.3 6.7 1.9 5.9z" fill="#fc6d26" />
            <path d="M12 21.5l-2.9-12.8h5.8z" fill="#e24329" />
          </svg>
          <span>gitlab-ci-dispatcher</span>
        </Link>
        <nav>
          {tab('projects', '/', 'Pipelines')}
          {tab('runners', '/runners', 'Runners')}
          {tab('admin', '/admin', 'Admin')}
        </nav>
        <div class="spacer" />
        {session?.authenticated ? (
          <span class="who">
            <span class="who-name" title={`token "${session.name}" (${session.scope})`}>
              {session.name} <small>{session.scope}</small>
            </span>
            <button class="btn btn-sm btn-ghost" onClick={() => void signOut()}>
              Sign out
            </button>
          </span>
        ) : (
          <Link href={signInHref()} class="btn btn-sm btn-ghost" data-testid="sign-in-link">
            Sign in
          </Link>
        )}
      </header>
      <ConnectionNotice />
      {session && !session.authenticated && !session.anonymousRead && route.name !== 'signin' ? (
        <main class="page">
          <div class="empty">
            <h1>Sign in to continue</h1>
            <p>This dispatcher needs a token to read pipelines.</p>
            <Link href={signInHref()} class="btn btn-primary">
              Sign in
            </Link>
          </div>
        </main>
      ) : (
        <main class="page">{page}</main>
      )}
    </>
  );
}
