import type { Device } from '../../../lambda/contract/types';

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
