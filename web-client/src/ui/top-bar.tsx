import { useState } from 'react';

/** The brand, and who is signed in with a way out. */
export function TopBar({ email, onSignOut }: { email?: string; onSignOut: () => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  return (
    <header className="top-bar">
      <a className="brand" href="/">
        <img src="/favicon.svg" alt="" width="28" height="28" />
        Sightline
      </a>
      {email ? (
        <div className="account">
          <span className="who" title={email} data-testid="signed-in-as">
            {email}
          </span>
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() => {
              setBusy(true);
              void onSignOut().finally(() => setBusy(false));
            }}
            data-testid="sign-out"
          >
            Sign out
          </button>
        </div>
      ) : null}
    </header>
  );
}
