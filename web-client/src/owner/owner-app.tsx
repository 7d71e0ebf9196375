import { Hub } from 'aws-amplify/utils';
import { useCallback, useEffect, useState } from 'react';
import { AuthScreen } from '../auth/auth-screen';
import { currentUserEmail, signOut, type AuthStep } from '../auth/auth';
import type { WebConfig } from '../config';
import { Message } from '../ui/message';
import { TopBar } from '../ui/top-bar';
import { clearFragment, parseBindFragment, type BindPrefill } from './bind-link';
import { DevicesPage } from './devices-page';

const SESSION_ENDED = 'Your session has ended. Sign in again to continue.';

/** The owner app at `/`: sign up or in, then the devices page. */
export function OwnerApp({ config }: { config: WebConfig }) {
  const [auth, setAuth] = useState<AuthStep | { kind: 'checking' }>({ kind: 'checking' });
  const [prefill, setPrefill] = useState<BindPrefill | undefined>(() =>
    parseBindFragment(window.location.hash),
  );

  useEffect(() => {
    let live = true;
    void currentUserEmail().then((email) => {
      if (live) setAuth(email ? { kind: 'signedIn', email } : { kind: 'signIn' });
    });
    return () => {
      live = false;
    };
  }, []);

  // A label scanned while the page is already open.
  useEffect(() => {
    const onHash = () => {
      const p = parseBindFragment(window.location.hash);
      if (p) setPrefill(p);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  // Signed out in another tab, or the refresh token expired.
  useEffect(
    () =>
      Hub.listen('auth', ({ payload }) => {
        if (payload.event === 'signedOut') {
          setAuth((prev) => (prev.kind === 'signedIn' ? { kind: 'signIn', email: prev.email } : prev));
        } else if (payload.event === 'tokenRefresh_failure') {
          setAuth((prev) =>
            prev.kind === 'signedIn' ? { kind: 'signIn', email: prev.email, notice: SESSION_ENDED } : prev,
          );
        }
      }),
    [],
  );

  // The form holds the label's details now: take the secret out of the address bar. Keep them in
  // memory until a bind succeeds or the person signs out, so an expired session does not lose them.
  const onPrefillUsed = useCallback(() => clearFragment(), []);
  const onBound = useCallback(() => setPrefill(undefined), []);

  const email = auth.kind === 'signedIn' ? auth.email : undefined;

  // Signed in through the form (not an existing session on load): focus follows to the devices.
  const [justSignedIn, setJustSignedIn] = useState(false);
  const onStep = useCallback((step: AuthStep) => {
    if (step.kind === 'signedIn') setJustSignedIn(true);
    setAuth(step);
  }, []);

  const onUnauthorized = useCallback(
    (keep?: BindPrefill) => {
      if (keep) setPrefill(keep);
      void signOut().catch(() => undefined);
      setAuth({ kind: 'signIn', email, notice: SESSION_ENDED });
    },
    [email],
  );

  const onSignOut = useCallback(async () => {
    try {
      await signOut();
    } finally {
      setPrefill(undefined);
      setAuth({ kind: 'signIn' });
    }
  }, []);

  return (
    <>
      <TopBar email={email} onSignOut={onSignOut} />
      <main className="page" id="main">
        {auth.kind === 'checking' ? (
          <p className="muted" role="status">
            Loading…
          </p>
        ) : auth.kind === 'signedIn' ? (
          <DevicesPage
            prefill={prefill}
            onPrefillUsed={onPrefillUsed}
            onBound={onBound}
            onUnauthorized={onUnauthorized}
            focusHeading={justSignedIn}
          />
        ) : (
          <div className="stack">
            <p className="lead">Watch your cameras live, from anywhere.</p>
            {prefill ? (
              <Message kind="notice" testId="bind-pending">
                Sign in or create an account to bind device <strong>{prefill.serial}</strong>.
              </Message>
            ) : null}
            <AuthScreen authFlow={config.authFlow} step={auth} onStep={onStep} />
          </div>
        )}
      </main>
    </>
  );
}
