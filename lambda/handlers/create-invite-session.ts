import { requireEnv } from '../core/env';
import { httpHandler } from '../core/http';
import { count, METRICS } from '../core/metrics';
import { originOf } from '../core/viewer-sessions';
import { getOrgInvite, inactiveProblem, isActive } from '../core/invites';
import { awsSessionServices, mintViewerSession } from '../core/sessions';

const VIEWER_ROLE_ARN = requireEnv('VIEWER_ROLE_ARN');
const services = awsSessionServices();

/**
 * POST /invites/{inviteId}/sessions: a dispatcher of its organisation watches the caller (VIEWER).
 * The session is recorded with the dispatcher's fingerprint, which the caller's page reads before
 * it answers, and the answer carries the caller's page's own fingerprint once it has published
 * one: the one request before the offer (docs/design.md §4).
 */
export const handler = httpHandler('createInviteSession', async (req) => {
  const { params, caller, body } = req;
  const item = await getOrgInvite(params.inviteId!, caller.orgId!);
  if (!isActive(item)) throw inactiveProblem(item);
  const session = await mintViewerSession(
    {
      channelArn: item.channelArn,
      origin: originOf(req),
      roleArn: VIEWER_ROLE_ARN,
      subject: `invite#${item.inviteId}`,
      fingerprint: body.fingerprint,
    },
    services,
  );
  count(METRICS.sessionsMinted);
  const peerFingerprint = item.callerFingerprint;
  return { body: { ...session, ...(peerFingerprint ? { peerFingerprint } : {}) } };
});
