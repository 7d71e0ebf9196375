import { unbindDevice } from '../core/devices';
import { httpHandler } from '../core/http';

/** DELETE /devices/{deviceId}: releases the caller's own device so it can be bound again. */
export const handler = httpHandler('unbindDevice', async ({ params, caller }) => {
  await unbindDevice(params.deviceId!, caller.sub);
});
