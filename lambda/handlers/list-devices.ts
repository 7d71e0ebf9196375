import { listOwnedDevices, toDevice } from '../core/devices';
import { httpHandler } from '../core/http';

/** GET /devices: the caller's devices, newest binding first. */
export const handler = httpHandler('listDevices', async ({ caller }) => {
  const items = await listOwnedDevices(caller.sub);
  return { body: { devices: items.map(toDevice) } };
});
