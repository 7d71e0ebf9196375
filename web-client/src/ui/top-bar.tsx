import { useState, type MouseEvent } from 'react';

/**
 * Moves focus into `<main>` itself: following `#main` alone scrolls but leaves focus on the
 * link in Chromium, so the next Tab would land back in the top bar.
 */
function skipToMain(e: MouseEvent<HTMLAnchorElement>) {
  const main = document.getElementById('main');
  if (!main) return;
  e.preventDefault();
  if (!main.hasAttribute('tabindex')) main.setAttribute('tabindex', '-1');
  main.focus();
}

/** The brand, and who is signed in with a way out. */
export function TopBar({ email, onSignOut }: { email?: string; onSignOut: () => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  return (
    <header className="top-bar">
      <a className="skip-link" href="#main" onClick={skipToMain} data-testid="skip-link">
        Skip to content
      </a>
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
