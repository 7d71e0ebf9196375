import { mintCallerSession } from '../core/caller-sessions';
import { requireEnv } from '../core/env';
import { httpHandler } from '../core/http';
import { markLive } from '../core/invites';
import { count, METRICS } from '../core/metrics';
import { openLink } from '../core/link-access';
import { awsSessionServices } from '../core/sessions';

const CALLER_ROLE_ARN = requireEnv('CALLER_ROLE_ARN');
const services = awsSessionServices();

/**
 * POST /citizen/sessions: the caller's phone becomes MASTER of its invite's one channel, with
 * credentials that reach nothing else, for 15 minutes. The first one moves the invite to `live`.
 */
export const handler = httpHandler('createCitizenSession', async ({ body }) => {
  const item = await openLink('createCitizenSession', body);
  const session = await mintCallerSession(
    { channelArn: item.channelArn, inviteId: item.inviteId, roleArn: CALLER_ROLE_ARN },
    services,
  );
  count(METRICS.sessionsMinted);
  await markLive(item.inviteId);
  return { body: session };
});
