import { useCallback, useState } from 'react';
import type { InviteDetail as Detail } from '../../../lambda/contract/types';
import { ApiError, call } from '../api';
import { useViewerSessions, WhoIsWatching } from '../live/who-is-watching';
import { Message } from '../ui/message';
import { InviteLive } from './invite-live';
import { InviteStatusBadge, isActive } from './invite-status';
import { LocationView } from './location-view';
import { Photowall } from './photowall';
import { dispatcherProblem } from './problems';
import { usePoll } from './use-poll';

/** How often an open invite refreshes (status, photos, location) while the console is visible. */
const DETAIL_POLL_MS = 2500;

/** One invite: its live video, photowall and location, and a way to end it. */
export function InviteDetail({
  inviteId,
  onClose,
  onChanged,
  onUnauthorized,
}: {
  inviteId: string;
  onClose: () => void;
  onChanged: () => void;
  onUnauthorized: () => void;
}) {
  const [invite, setInvite] = useState<Detail>();
  const [error, setError] = useState<string>();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);

  const load = useCallback(
    async (signal?: AbortSignal) => {
      try {
        setInvite(await call('getInvite', { params: { inviteId }, signal }));
        setError(undefined);
      } catch (err) {
        if (err instanceof DOMException && err.name === 'AbortError') return;
        if (err instanceof ApiError && err.code === 'UNAUTHORIZED') onUnauthorized();
        setError(dispatcherProblem(err));
      }
    },
    [inviteId, onUnauthorized],
  );
  usePoll(load, DETAIL_POLL_MS, [load]);
  const viewers = useViewerSessions('invite', inviteId);

  const revoke = async () => {
    setBusy(true);
    try {
      await call('revokeInvite', { params: { inviteId } });
      setConfirming(false);
      await load();
      onChanged();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'UNAUTHORIZED') onUnauthorized();
      setError(dispatcherProblem(err));
    } finally {
      setBusy(false);
    }
  };

  const active = invite ? isActive(invite.status) : false;

  return (
    <section className="card stack invite-detail" aria-labelledby="detail-title" data-testid="invite-detail">
      <div className="live-head">
        <h2 id="detail-title">{invite ? (invite.reference ?? invite.phoneNumberMasked) : 'Invite'}</h2>
        {invite ? <InviteStatusBadge status={invite.status} /> : null}
        <button type="button" className="secondary" onClick={onClose} data-testid="detail-close">
          Close
        </button>
      </div>
      {invite ? (
        <p className="muted">
          {invite.phoneNumberMasked} · sent {new Date(invite.createdAt).toLocaleTimeString()} ·{' '}
          {active ? 'link works until' : 'link was valid until'}{' '}
          {new Date(invite.expiresAt).toLocaleTimeString()} · SMS {invite.sms.status}
        </p>
      ) : null}
      {error ? (
        <Message kind="error" testId="detail-error">
          {error}
        </Message>
      ) : null}
      {invite ? (
        <>
          <InviteLive
            inviteId={inviteId}
            status={invite.status}
            endedClientId={viewers.ended}
            onUnauthorized={onUnauthorized}
          />
          <WhoIsWatching
            name={invite.reference ?? invite.phoneNumberMasked}
            load={viewers.load}
            end={viewers.end}
            problem={dispatcherProblem}
            onUnauthorized={onUnauthorized}
            refreshKey={invite.status}
          />
          <Photowall inviteId={inviteId} photos={invite.photos} onUnauthorized={onUnauthorized} />
          <LocationView location={invite.location} />
          {active ? (
            confirming ? (
              <div className="confirm stack" role="group" aria-label="Confirm ending the invite">
                <p>End this invite? The link stops working at once and live video ends. Photos stay.</p>
                <div className="row">
                  <button
                    type="button"
                    className="danger"
                    disabled={busy}
                    onClick={() => void revoke()}
                    data-testid="revoke-confirm"
                  >
                    End and revoke the link
                  </button>
                  <button type="button" className="secondary" onClick={() => setConfirming(false)}>
                    Keep it
                  </button>
                </div>
              </div>
            ) : (
              <button
                type="button"
                className="danger"
                onClick={() => setConfirming(true)}
                data-testid="revoke"
              >
                End invite…
              </button>
            )
          ) : null}
        </>
      ) : null}
    </section>
  );
}
