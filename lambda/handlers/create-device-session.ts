import { getDevice } from '../core/devices';
import { requireEnv } from '../core/env';
import { httpHandler } from '../core/http';
import { count, METRICS } from '../core/metrics';
import { originOf } from '../core/viewer-sessions';
import { awsSessionServices, channelToWatch, mintViewerSession } from '../core/sessions';

const VIEWER_ROLE_ARN = requireEnv('VIEWER_ROLE_ARN');
const services = awsSessionServices();

/**
 * POST /devices/{deviceId}/sessions: everything the owner's browser needs to watch the camera in
 * one answer: credentials for its one channel, the channel's endpoints and the ICE servers.
 */
export const handler = httpHandler('createDeviceSession', async (req) => {
  const { params, caller } = req;
  const serial = params.deviceId!;
  const channelArn = channelToWatch(await getDevice(serial), caller.sub);
  const session = await mintViewerSession(
    { channelArn, origin: originOf(req), roleArn: VIEWER_ROLE_ARN, subject: `device#${serial}` },
    services,
  );
  count(METRICS.sessionsMinted);
  return { body: session };
});
