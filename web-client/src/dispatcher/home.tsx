import { Hub } from 'aws-amplify/utils';
import { useEffect, useState } from 'react';
import type { WebConfig } from '../config';
import { OwnerApp } from '../owner/owner-app';
import { DispatcherApp } from './dispatcher-app';
import { isDispatcher } from './role';

/**
 * The page at `/`: the owner app signs people in; a member of the dispatchers group lands on
 * the dispatcher console instead, and returns to the sign-in form when signing out.
 */
export function Home({ config }: { config: WebConfig }) {
  const [role, setRole] = useState<'checking' | 'owner' | 'dispatcher'>('checking');

  useEffect(() => {
    let live = true;
    const check = () =>
      void isDispatcher().then((yes) => {
        if (live) setRole(yes ? 'dispatcher' : 'owner');
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
  }, []);

  if (role === 'checking')
    return (
      <main className="page">
        <p className="muted" role="status">
          Loading…
        </p>
      </main>
    );
  return role === 'dispatcher' ? <DispatcherApp /> : <OwnerApp config={config} />;
}
