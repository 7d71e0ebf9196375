import { useEffect, useState } from 'react';
import type { Device } from '../../../lambda/contract/types';
import { formatAgo, formatDateTime } from '../ui/format';

/** Online / offline badge; a device that never connected says so. */
export function DeviceStatus({ device }: { device: Device }) {
  const [kind, label] = device.online
    ? ['online', 'Online']
    : device.provisioned
      ? ['offline', 'Offline']
      : ['pending', 'Not connected yet'];
  return (
    <span className={`badge badge-${kind}`} data-testid="device-status" data-status={kind}>
      {label}
    </span>
  );
}

/** How often "5 minutes ago" is worked out again, between refreshes of the list. */
const TICK_MS = 30_000;

/**
 * When the device was last seen: "Now" while it is online, "5 minutes ago" after it went away
 * (the exact time in the title, and in `dateTime` for machines), or "Never".
 */
export function LastSeen({ device }: { device: Device }) {
  const now = useNow(TICK_MS);
  if (device.online) {
    return device.lastSeenAt ? (
      <time dateTime={device.lastSeenAt} title={`Connected ${formatDateTime(device.lastSeenAt)}`}>
        Now
      </time>
    ) : (
      <>Now</>
    );
  }
  if (!device.lastSeenAt) return <>Never</>;
  return (
    <time dateTime={device.lastSeenAt} title={formatDateTime(device.lastSeenAt)}>
      {formatAgo(device.lastSeenAt, now)}
    </time>
  );
}

/** The current time, renewed every `ms`, so relative times move on by themselves. */
function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(timer);
  }, [ms]);
  return now;
}
