// A proper not-found page: what was not found, and ways back.
import type { ComponentChildren } from 'preact';
import { ApiError } from '../api';
import { ErrorBox, Link, useTitle } from './common';

export function NotFound({ what, children }: { what: string; children?: ComponentChildren }) {
  useTitle('Not found');
  return (
    <div class="empty not-found" data-testid="not-found">
      <div class="not-found-code" aria-hidden="true">404</div>
      <h1>{what} not found</h1>
      <p class="muted">It may have been removed, or the address is mistyped.</p>
      <div class="row-gap not-found-links">
        {children}
        <Link href="/" class="btn btn-primary">
          Back to projects
        </Link>
        {history.length > 1 ? (
          <button type="button" class="btn" onClick={() => history.back()}>
            Go back
          </button>
        ) : null}
      </div>
    </div>
  );
}

/** The page for a failed read: not-found for a 404, else the error. */
export function LoadError({ error, what }: { error: Error; what: string }) {
  if (error instanceof ApiError && error.status === 404) return <NotFound what={what} />;
  return <ErrorBox error={error} />;
}
