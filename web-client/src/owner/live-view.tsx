import { useCallback, useEffect, useRef } from 'react';
import type { Device, PublishFingerprintRequest } from '../../../lambda/contract/types';
import { ApiError, call, noticingSignOut } from '../api';
import { LiveProblem } from '../live/live-problem';
import type { LiveState } from '../live/viewer-connection';
import { LiveStatsList } from '../live/live-stats-list';
import { useLiveConnection } from '../live/use-live-connection';

const STATE_TEXT: Record<LiveState['kind'], string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  failed: 'Could not connect',
  refused: 'Refused',
  ended: 'Session ended',
};

/** A device's live picture, its connection state and a small stats overlay. */
export function LiveView({
  device,
  endedClientId,
  onClose,
  onUnauthorized,
}: {
  device: Device;
  /** A session just ended on this page: the view stops if it is its own. */
  endedClientId?: string;
  onClose: () => void;
  onUnauthorized: () => void;
}) {
  const mintSession = useCallback(
    async (fingerprint: string) => {
      try {
        return await call('createDeviceSession', {
          params: { deviceId: device.deviceId },
          body: { fingerprint },
        });
      } catch (err) {
        if (err instanceof ApiError && err.code === 'UNAUTHORIZED') onUnauthorized();
        throw new Error(sessionProblem(err), { cause: err });
      }
    },
    [device.deviceId, onUnauthorized],
  );
  const publishFingerprint = useCallback(
    (clientId: string, body: PublishFingerprintRequest) =>
      noticingSignOut(
        () =>
          call('publishDeviceSessionFingerprint', { params: { deviceId: device.deviceId, clientId }, body }),
        onUnauthorized,
      ),
    [device.deviceId, onUnauthorized],
  );
  const endSession = useCallback(
    (clientId: string) => call('endDeviceSession', { params: { deviceId: device.deviceId, clientId } }),
    [device.deviceId],
  );
  // Closing the view closes the peer connection and the signaling channel, and ends the session.
  const { video, state, stats, timeline } = useLiveConnection({
    mintSession,
    publishFingerprint,
    endSession,
    endedClientId,
    // An online camera answers within a second or two; one that does not (frozen, or gone without
    // its last will yet) counts as a failed attempt, so "reconnecting" ends in a clear failure.
    answerTimeoutMs: 10_000,
  });

  // "Watch live" is gone once pressed: focus (and the screen reader) moves to the view it opened.
  const region = useRef<HTMLElement>(null);
  useEffect(() => region.current?.focus(), []);

  return (
    <section
      ref={region}
      tabIndex={-1}
      className="live-view card"
      aria-label={`Live view of ${device.name}`}
      data-testid="live-view"
    >
      <div className="live-head">
        <h3>{device.name}</h3>
        <span className={`badge live-${state.kind}`} data-testid="live-state" data-state={state.kind}>
          {STATE_TEXT[state.kind]}
          {state.kind === 'reconnecting' ? ` (try ${state.attempt})` : ''}
        </span>
        <button type="button" className="secondary" onClick={onClose} data-testid="live-close">
          Close
        </button>
      </div>
      <div className="live-frame">
        <video ref={video} autoPlay playsInline muted data-testid="live-video" />
        {state.kind === 'live' ? (
          <LiveStatsList
            stats={stats}
            detail
            testId="live-stats"
            pathTestId="live-path"
            timeline={timeline}
            timelineTestId="live-timeline"
          />
        ) : null}
      </div>
      <LiveProblem state={state} source="camera" testId="live-error" />
    </section>
  );
}

function sessionProblem(err: unknown): string {
  if (!(err instanceof ApiError)) return 'Could not start the live view.';
  switch (err.code) {
    case 'DEVICE_NOT_PROVISIONED':
      return 'This camera has not come online yet. Check that it is powered and connected.';
    case 'NOT_FOUND':
      return 'This camera is no longer in your account.';
    case 'NETWORK_ERROR':
      return 'Could not reach Sightline. Check your internet connection.';
    case 'THROTTLED':
      return 'Too many requests. Try again in a moment.';
    default:
      return err.title;
  }
}
