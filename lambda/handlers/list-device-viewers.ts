import { readCameraShadow } from '../core/device-shadows';
import { ownDevice } from '../core/device-ownership';
import { getDevice } from '../core/devices';
import { httpHandler } from '../core/http';
import { recentSessions, toViewerSession } from '../core/viewer-sessions';

/**
 * GET /devices/{deviceId}/viewers: who is watching the camera: the viewers it reports connected
 * now (none while it is offline), and the sessions minted on it in the last hour under the current
 * binding. A previous owner's sessions (who they were, from where, with which browser) are theirs,
 * not the new owner's to see.
 */
export const handler = httpHandler('listDeviceViewers', async ({ params, caller }) => {
  const serial = params.deviceId!;
  const device = ownDevice(await getDevice(serial), caller.sub);
  const [shadow, recent] = await Promise.all([
    readCameraShadow(device.thingName),
    recentSessions(`device#${serial}`),
  ]);
  const connected = new Set(device.online ? shadow.connected : []);
  return {
    body: {
      connected: connected.size,
      ...(shadow.connectedAt ? { reportedAt: shadow.connectedAt.toISOString() } : {}),
      sessions: recent
        .filter((s) => device.boundAt !== undefined && s.mintedAt >= device.boundAt)
        .map((s) => toViewerSession(s, caller.sub, connected)),
    },
  };
});
