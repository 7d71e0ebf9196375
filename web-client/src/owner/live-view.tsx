import { useEffect, useRef, useState } from 'react';
import type { Device } from '../../../lambda/contract/types';
import { ApiError, call } from '../api';
import { Message } from '../ui/message';
import { LiveConnection, type LiveState } from '../live/viewer-connection';
import { readStats, type LiveStats } from '../live/live-stats';

const STATE_TEXT: Record<LiveState['kind'], string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  failed: 'Could not connect',
};

/** A device's live picture, its connection state and a small stats overlay. */
export function LiveView({
  device,
  onClose,
  onUnauthorized,
}: {
  device: Device;
  onClose: () => void;
  onUnauthorized: () => void;
}) {
  const video = useRef<HTMLVideoElement>(null);
  const [state, setState] = useState<LiveState>({ kind: 'connecting' });
  const [stats, setStats] = useState<LiveStats>({});

  useEffect(() => {
    const connection = new LiveConnection({
      mintSession: async () => {
        try {
          return await call('createDeviceSession', { params: { deviceId: device.deviceId } });
        } catch (err) {
          if (err instanceof ApiError && err.code === 'UNAUTHORIZED') onUnauthorized();
          throw new Error(sessionProblem(err), { cause: err });
        }
      },
      onState: setState,
      onStream: (stream) => {
        if (video.current && video.current.srcObject !== stream) video.current.srcObject = stream;
      },
    });
    connection.start();
    let sample: Awaited<ReturnType<typeof readStats>>[1] | undefined;
    const timer = window.setInterval(() => {
      const pc = connection.peerConnection;
      if (!pc) return;
      void readStats(pc, sample).then(([next, at]) => {
        sample = at;
        setStats(next);
      });
    }, 1000);
    // Leaving the page closes the peer connection and the signaling channel.
    return () => {
      window.clearInterval(timer);
      connection.close();
    };
  }, [device.deviceId, onUnauthorized]);

  return (
    <section className="live-view card" aria-label={`Live view of ${device.name}`} data-testid="live-view">
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
          <dl className="live-stats" data-testid="live-stats">
            <div>
              <dt>Picture</dt>
              <dd>{stats.width && stats.height ? `${stats.width}×${stats.height}` : '—'}</dd>
            </div>
            <div>
              <dt>fps</dt>
              <dd>{stats.fps ?? '—'}</dd>
            </div>
            <div>
              <dt>kbit/s</dt>
              <dd>{stats.kbps ?? '—'}</dd>
            </div>
            <div>
              <dt>RTT</dt>
              <dd>{stats.rttMs !== undefined ? `${stats.rttMs} ms` : '—'}</dd>
            </div>
            <div>
              <dt>Path</dt>
              <dd data-testid="live-path">{stats.path ?? '—'}</dd>
            </div>
          </dl>
        ) : null}
      </div>
      {state.kind === 'failed' ? (
        <Message kind="error" testId="live-error">
          {state.reason}
        </Message>
      ) : null}
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
