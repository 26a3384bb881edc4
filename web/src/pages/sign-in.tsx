// Sign in with an API token (kept in an HttpOnly cookie by the server).
import { useState } from 'preact/hooks';
import { send } from '../api';
import { ErrorBox } from '../components/common';
import { navigate } from '../router';
import { refreshSession } from '../session';

export async function signOut(): Promise<void> {
  await send('DELETE', '/session');
  await refreshSession();
}

export function SignInPage() {
  const [token, setToken] = useState('');
  const [error, setError] = useState<Error>();
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      await send('POST', '/session', { token });
      await refreshSession();
      const back = new URLSearchParams(location.search).get('back');
      // only a path of this UI (not //other.host), never the sign-in page again
      navigate(back && /^\/(?![/\\])/.test(back) && !back.startsWith('/sign-in') ? back : '/', true);
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <div class="narrow">
      <h1>Sign in</h1>
      <p class="muted">Paste an API token (printed by <code>gitlab-ci-dispatcher serve</code> at first start, or created by an admin).</p>
      <ErrorBox error={error} />
      <form onSubmit={submit} class="form">
        <label>
          Token
          <input type="password" name="token" autocomplete="off" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} required />
        </label>
        <button type="submit" class="btn btn-primary">
          Sign in
        </button>
      </form>
    </div>
  );
}
