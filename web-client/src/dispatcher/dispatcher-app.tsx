import { useCallback, useEffect, useState } from 'react';
import type { Invite } from '../../../lambda/contract/types';
import { ApiError, call } from '../api';
import { currentUserEmail, signOut } from '../auth/auth';
import { Message } from '../ui/message';
import { TopBar } from '../ui/top-bar';
import { InviteDetail } from './invite-detail';
import { InviteForm } from './invite-form';
import { InviteList } from './invite-list';
import { dispatcherProblem } from './problems';
import { usePoll } from './use-poll';

/** How often the invite list refreshes while the console is visible. */
const LIST_POLL_MS = 4000;

/** The dispatcher console: invite a caller, follow the invites, and open one to watch. */
export function DispatcherApp() {
  const [email, setEmail] = useState<string>();
  const [invites, setInvites] = useState<Invite[]>();
  const [allowedCountries, setAllowedCountries] = useState<string[]>();
  const [listError, setListError] = useState<string>();
  const [selected, setSelected] = useState<string>();

  useEffect(() => {
    void currentUserEmail().then(setEmail);
  }, []);

  const onUnauthorized = useCallback(() => void signOut().catch(() => undefined), []);

  const refresh = useCallback(
    async (signal?: AbortSignal) => {
      try {
        const { invites: list, allowedCountries: countries } = await call('listInvites', { signal });
        setInvites([...list].sort((a, b) => b.createdAt.localeCompare(a.createdAt)));
        // A new array each poll: kept only when it changed, so the form does not re-render.
        setAllowedCountries((prev) => (prev?.join() === countries.join() ? prev : countries));
        setListError(undefined);
      } catch (err) {
        if (err instanceof DOMException && err.name === 'AbortError') return;
        if (err instanceof ApiError && err.code === 'UNAUTHORIZED') onUnauthorized();
        setListError(dispatcherProblem(err));
      }
    },
    [onUnauthorized],
  );
  usePoll(refresh, LIST_POLL_MS, [refresh]);

  const onCreated = (invite: Invite) => {
    setInvites((prev) => [invite, ...(prev ?? []).filter((i) => i.inviteId !== invite.inviteId)]);
    setSelected(invite.inviteId);
  };

  return (
    <>
      <TopBar email={email} onSignOut={signOut} />
      <main className="page stack dispatcher" id="main" data-testid="dispatcher-console">
        <h1>Show me</h1>
        <div className="console">
          <div className="stack">
            <InviteForm
              allowedCountries={allowedCountries}
              onCreated={onCreated}
              onUnauthorized={onUnauthorized}
            />
            <InviteSection invites={invites} error={listError} selected={selected} onSelect={setSelected} />
          </div>
          {selected ? (
            <InviteDetail
              key={selected}
              inviteId={selected}
              onClose={() => setSelected(undefined)}
              onChanged={() => void refresh()}
              onUnauthorized={onUnauthorized}
            />
          ) : (
            <p className="card muted" data-testid="no-selection">
              Send an invite, or choose one from the list, to see its live video, photos and location.
            </p>
          )}
        </div>
      </main>
    </>
  );
}

function InviteSection({
  invites,
  error,
  selected,
  onSelect,
}: {
  invites?: Invite[];
  error?: string;
  selected?: string;
  onSelect: (inviteId: string) => void;
}) {
  return (
    <section className="stack" aria-labelledby="invites-title">
      <h2 id="invites-title">Invites</h2>
      {error ? (
        <Message kind="error" testId="invites-error">
          {error}
        </Message>
      ) : null}
      {invites === undefined ? (
        <p className="muted" role="status">
          Loading…
        </p>
      ) : (
        <InviteList invites={invites} selected={selected} onSelect={onSelect} />
      )}
    </section>
  );
}
