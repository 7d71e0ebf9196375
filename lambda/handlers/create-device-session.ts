import { readCameraShadow } from '../core/device-shadows';
import { vouchForViewer } from '../core/device-viewers';
import { getDevice, thingNameFor } from '../core/devices';
import { requireEnv } from '../core/env';
import { httpHandler } from '../core/http';
import { count, METRICS } from '../core/metrics';
import { originOf, recentSessions } from '../core/viewer-sessions';
import { awsSessionServices, channelToWatch, mintViewerSession } from '../core/sessions';

const VIEWER_ROLE_ARN = requireEnv('VIEWER_ROLE_ARN');
const services = awsSessionServices();

/**
 * POST /devices/{deviceId}/sessions: everything the owner's browser needs to watch the camera, in
 * one answer, the only request before its offer: credentials for its one channel, the channel's
 * endpoints, the ICE servers, and the camera's fingerprint. The viewer's own fingerprint comes in
 * the body and is in the camera's shadow before this answers, so the camera knows the viewer by
 * the time its offer arrives (docs/design.md §4).
 */
export const handler = httpHandler('createDeviceSession', async (req) => {
  const { params, caller, body } = req;
  const serial = params.deviceId!;
  const subject = `device#${serial}`;
  const device = await getDevice(serial);
  const channelArn = channelToWatch(device, caller.sub);
  // The shadow and the recent sessions are read while the session is minted: nothing read is
  // answered unless the ownership check above passed.
  const [session, shadow, recent] = await Promise.all([
    mintViewerSession(
      { channelArn, origin: originOf(req), roleArn: VIEWER_ROLE_ARN, subject, fingerprint: body.fingerprint },
      services,
    ),
    readCameraShadow(thingNameFor(serial)),
    recentSessions(subject),
  ]);
  const clientId = session.clientId!;
  const minted = { subject, clientId, sub: caller.sub, expiresAt: session.credentials.expiration };
  await vouchForViewer({
    serial,
    boundAt: device!.boundAt,
    session: minted,
    fingerprint: body.fingerprint,
    shadow,
    recent,
  });
  count(METRICS.sessionsMinted);
  const peerFingerprint = shadow.fingerprintFor(clientId);
  return { body: { ...session, ...(peerFingerprint ? { peerFingerprint } : {}) } };
});
