// The notice the shell shows while the server cannot be reached, and briefly once it is back.
import { useConnection } from '../connection';

export function ConnectionNotice() {
  const state = useConnection();
  if (state === 'online') return null;
  return state === 'offline' ? (
    <div class="conn-notice conn-offline" role="status" aria-live="polite" data-testid="connection-notice" data-state="offline">
      <span class="conn-dot" aria-hidden="true" />
      The server cannot be reached. Reconnecting… (what you see may be out of date)
    </div>
  ) : (
    <div class="conn-notice conn-back" role="status" aria-live="polite" data-testid="connection-notice" data-state="reconnected">
      Reconnected: showing the latest state.
    </div>
  );
}
