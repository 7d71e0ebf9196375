import { useCallback, useId, useState } from 'react';
import type { InviteStatus, PublishFingerprintRequest } from '../../../lambda/contract/types';
import { ApiError, call, noticingSignOut } from '../api';
import { LiveProblem } from '../live/live-problem';
import { warmOnIntent } from '../live/certificate';
import { LiveStatsList } from '../live/live-stats-list';
import { useLiveConnection } from '../live/use-live-connection';
import type { LiveState } from '../live/viewer-connection';
import { dispatcherProblem } from './problems';

const STATE_TEXT: Record<LiveState['kind'], string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Waiting for the caller’s video…',
  failed: 'Could not connect',
  refused: 'Refused',
  ended: 'Session ended',
};

/**
 * The caller's live video, watched as VIEWER on the invite's channel. Relay only makes both
 * sides use the TURN relay, so the caller never learns the centre's network addresses.
 */
export function InviteLive({
  inviteId,
  status,
  endedClientId,
  onUnauthorized,
}: {
  inviteId: string;
  status: InviteStatus;
  /** A session just ended on this page: the view stops if it is its own. */
  endedClientId?: string;
  onUnauthorized: () => void;
}) {
  const relayId = useId();
  const [watching, setWatching] = useState(false);
  const [relayOnly, setRelayOnly] = useState(false);
  // The caller is usually on the phone as well: their stream's sound is off until asked for.
  const [sound, setSound] = useState(false);
  const ended = status === 'ended' || status === 'revoked' || status === 'expired';
  const mintSession = useCallback(
    async (fingerprint: string) => {
      try {
        return await call('createInviteSession', { params: { inviteId }, body: { fingerprint } });
      } catch (err) {
        if (err instanceof ApiError && err.code === 'UNAUTHORIZED') onUnauthorized();
        throw new Error(dispatcherProblem(err), { cause: err });
      }
    },
    [inviteId, onUnauthorized],
  );
  const publishFingerprint = useCallback(
    (clientId: string, body: PublishFingerprintRequest) =>
      noticingSignOut(
        () => call('publishInviteSessionFingerprint', { params: { inviteId, clientId }, body }),
        onUnauthorized,
      ),
    [inviteId, onUnauthorized],
  );
  const endSession = useCallback(
    (clientId: string) => call('endInviteSession', { params: { inviteId, clientId } }),
    [inviteId],
  );
  const { video, state, stats, timeline } = useLiveConnection({
    mintSession,
    publishFingerprint,
    endSession,
    enabled: watching && !ended,
    relayOnly,
    // The caller may not have started yet: keep trying while the view is open.
    maxRetries: 40,
    answerTimeoutMs: 6000,
    endedClientId,
  });

  return (
    <section className="stack" aria-labelledby={`${relayId}-title`} data-testid="invite-live">
      <div className="live-head">
        <h3 id={`${relayId}-title`}>Live video</h3>
        {watching && !ended ? (
          <span
            className={`badge live-${state.kind}`}
            data-testid="invite-live-state"
            data-state={state.kind}
          >
            {STATE_TEXT[state.kind]}
          </span>
        ) : null}
        {ended ? null : (
          <label className="check" htmlFor={relayId}>
            <input
              id={relayId}
              type="checkbox"
              checked={relayOnly}
              onChange={(e) => setRelayOnly(e.target.checked)}
              data-testid="relay-only"
            />
            Relay only
          </label>
        )}
        {watching && !ended ? (
          <button
            type="button"
            className="secondary"
            aria-pressed={sound}
            onClick={() => setSound((on) => !on)}
            data-testid="sound"
          >
            {sound ? 'Sound off' : 'Sound on'}
          </button>
        ) : null}
        {ended ? null : watching ? (
          <button
            type="button"
            className="secondary"
            onClick={() => setWatching(false)}
            data-testid="unwatch"
          >
            Stop watching
          </button>
        ) : (
          <button
            type="button"
            className="primary"
            onClick={() => setWatching(true)}
            {...warmOnIntent}
            data-testid="watch"
          >
            Watch live
          </button>
        )}
      </div>
      {ended ? null : (
        <p className="hint">
          Relay only sends the video through a TURN relay, so the caller never learns this centre’s network
          addresses. It needs a relay server; without one the video cannot connect.
        </p>
      )}
      {watching && !ended ? (
        <div className="live-frame">
          <video ref={video} autoPlay playsInline muted={!sound} data-testid="invite-live-video" />
          {state.kind === 'live' ? (
            <LiveStatsList
              stats={stats}
              pathTestId="invite-live-path"
              timeline={timeline}
              timelineTestId="invite-live-timeline"
            />
          ) : null}
        </div>
      ) : null}
      {ended ? <p className="muted">This invite has ended; there is no live video.</p> : null}
      {watching && !ended ? <LiveProblem state={state} source="caller" testId="invite-live-error" /> : null}
    </section>
  );
}
