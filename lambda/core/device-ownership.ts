import type { DeviceItem } from './devices';
import { ProblemError } from './errors';

/**
 * The caller's own device. Someone else's, and one that does not exist, are the same 404, so the
 * answer never tells whose devices exist.
 */
export function ownDevice(device: DeviceItem | undefined, callerSub: string): DeviceItem {
  if (!device || callerSub === '' || device.ownerSub !== callerSub) throw new ProblemError('NOT_FOUND');
  return device;
}
