import type { Device } from '../../../lambda/contract/types';
import { DeviceRow } from './device-row';

export function DeviceList({
  devices,
  onUnbound,
  onUnauthorized,
}: {
  devices: Device[];
  onUnbound: (deviceId: string, name: string) => void;
  onUnauthorized: () => void;
}) {
  return (
    <ul className="devices" data-testid="device-list" aria-label="Your devices">
      {devices.map((d) => (
        <DeviceRow key={d.deviceId} device={d} onUnbound={onUnbound} onUnauthorized={onUnauthorized} />
      ))}
    </ul>
  );
}
