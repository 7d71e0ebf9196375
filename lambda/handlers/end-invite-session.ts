import { httpHandler } from '../core/http';
import { getOrgInvite } from '../core/invites';
import { endSession } from '../core/viewer-sessions';

/**
 * DELETE /invites/{inviteId}/sessions/{clientId}: a dispatcher of the organisation ends a viewing
 * session of the invite (their own, or one they do not recognise). The caller's page drops that
 * viewer at its next check, and the session can publish no new fingerprint.
 */
export const handler = httpHandler('endInviteSession', async ({ params, caller }) => {
  const item = await getOrgInvite(params.inviteId!, caller.orgId!);
  await endSession(`invite#${item.inviteId}`, params.clientId!, caller.sub);
});
