import { clearAllowedViewers } from '../core/device-shadows';
import { thingNameFor, unbindDevice } from '../core/devices';
import { httpHandler } from '../core/http';

/**
 * DELETE /devices/{deviceId}: releases the caller's own device so it can be bound again. Nobody
 * keeps watching it: the ownership change and the end of every viewing session on it commit in
 * one transaction, and then the camera's shadow vouches for no viewer, so it drops them all.
 *
 * The order fails safe. Once the transaction commits, no session on the camera can put a viewer
 * back in the shadow (publishing checks the session is live and the caller owns the camera, and
 * checks again after its shadow write), so the clearing that follows cannot be undone. Clearing
 * first would leave a window in which the still-owner re-vouches a viewer, and would let a failed
 * transaction (not the owner) clear someone else's camera. If the clearing itself fails, the
 * request fails; the old entries then still expire on the camera with their sessions, the next
 * binding clears them again, and any publish on the camera removes the entries of ended sessions.
 */
export const handler = httpHandler('unbindDevice', async ({ params, caller }) => {
  const serial = params.deviceId!;
  await unbindDevice(serial, caller.sub);
  await clearAllowedViewers(thingNameFor(serial));
});
