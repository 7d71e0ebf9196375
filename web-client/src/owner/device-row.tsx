import { useEffect, useRef, useState } from 'react';
import type { Device } from '../../../lambda/contract/types';
import { warmOnIntent } from '../live/certificate';
import { useViewerSessions, WhoIsWatching } from '../live/who-is-watching';
import { formatDate, formatDateTime } from '../ui/format';
import { DeviceStatus, LastSeen } from './device-status';
import { LiveView } from './live-view';
import { UnbindControl } from './unbind-control';

/** One bound device: name, serial, state, last seen, bound date, and its actions. */
export function DeviceRow({
  device,
  onUnbound,
  onUnauthorized,
}: {
  device: Device;
  onUnbound: (deviceId: string, name: string) => void;
  onUnauthorized: () => void;
}) {
  const [watching, setWatching] = useState(false);
  const viewers = useViewerSessions('device', device.deviceId);
  // Closing the view removes the focused Close button: give focus back to "Watch live".
  const watchRef = useRef<HTMLButtonElement>(null);
  const wasWatching = useRef(false);
  useEffect(() => {
    if (!watching && wasWatching.current) watchRef.current?.focus();
    wasWatching.current = watching;
  }, [watching]);
  return (
    <li className="device card" data-testid={`device-${device.deviceId}`}>
      <div className="device-head">
        <h3 className="device-name" data-testid="device-name">
          {device.name}
        </h3>
        <DeviceStatus device={device} />
      </div>
      <dl className="device-meta">
        <div>
          <dt>Serial</dt>
          <dd data-testid="device-serial">{device.deviceId}</dd>
        </div>
        <div>
          <dt>Last seen</dt>
          <dd data-testid="device-last-seen">
            <LastSeen device={device} />
          </dd>
        </div>
        <div>
          <dt>Bound</dt>
          <dd data-testid="device-bound-at">
            <time dateTime={device.boundAt} title={formatDateTime(device.boundAt)}>
              {formatDate(device.boundAt)}
            </time>
          </dd>
        </div>
      </dl>
      {watching ? (
        <LiveView
          device={device}
          endedClientId={viewers.ended}
          onClose={() => setWatching(false)}
          onUnauthorized={onUnauthorized}
        />
      ) : null}
      <div className="device-actions">
        {watching ? null : (
          <button
            ref={watchRef}
            type="button"
            className="primary"
            onClick={() => setWatching(true)}
            {...warmOnIntent}
            disabled={!device.provisioned}
            title={device.provisioned ? undefined : 'This camera has not come online yet.'}
            data-testid="watch"
          >
            Watch live
          </button>
        )}
        <UnbindControl device={device} onUnbound={onUnbound} onUnauthorized={onUnauthorized} />
      </div>
      {device.provisioned ? (
        <WhoIsWatching
          name={device.name}
          load={viewers.load}
          end={viewers.end}
          onUnauthorized={onUnauthorized}
        />
      ) : null}
    </li>
  );
}
