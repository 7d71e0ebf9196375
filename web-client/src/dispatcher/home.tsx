import { Hub } from 'aws-amplify/utils';
import { useEffect, useState } from 'react';
import type { WebConfig } from '../config';
import { OwnerApp } from '../owner/owner-app';
import { DispatcherApp } from './dispatcher-app';
import { signedInRole } from './role';
import { TotpSetup } from './totp-setup';

/**
 * The page at `/`: the owner app signs people in; a member of the dispatchers group lands on
 * the dispatcher console instead (after setting up an authenticator app, if they have none), and
 * returns to the sign-in form when signing out.
 */
export function Home({ config }: { config: WebConfig }) {
  const [role, setRole] = useState<'checking' | Awaited<ReturnType<typeof signedInRole>>>('checking');
  const [checks, setChecks] = useState(0);

  useEffect(() => {
    let live = true;
    const check = () =>
      void signedInRole().then((found) => {
        if (live) setRole(found);
      });
    check();
    const stop = Hub.listen('auth', ({ payload }) => {
      if (payload.event === 'signedIn') check();
      else if (payload.event === 'signedOut') setRole('owner');
    });
    return () => {
      live = false;
      stop();
    };
  }, [checks]);

  if (role === 'checking')
    return (
      <main className="page">
        <p className="muted" role="status">
          Loading…
        </p>
      </main>
    );
  if (role === 'dispatcher-without-mfa') return <TotpSetup onDone={() => setChecks((n) => n + 1)} />;
  return role === 'dispatcher' ? <DispatcherApp /> : <OwnerApp config={config} />;
}
