import { updateAllowedViewers } from '../core/device-shadows';
import { ownDevice } from '../core/device-ownership';
import { getDevice } from '../core/devices';
import { httpHandler } from '../core/http';
import { endSession } from '../core/viewer-sessions';

/**
 * DELETE /devices/{deviceId}/sessions/{clientId}: the owner ends a viewing session. The camera
 * drops that viewer when its shadow no longer allows it, and the session can publish no new
 * fingerprint, so its credentials, which cannot be recalled, no longer get it any video.
 */
export const handler = httpHandler('endDeviceSession', async ({ params, caller }) => {
  const serial = params.deviceId!;
  const device = ownDevice(await getDevice(serial), caller.sub);
  await endSession(`device#${serial}`, params.clientId!, caller.sub);
  // Also when it had ended already: a retry after a failed shadow update completes the job.
  await updateAllowedViewers(device.thingName, { [params.clientId!]: null });
});
