import { httpHandler } from '../core/http';
import { callerReportedViewers, getOrgInvite } from '../core/invites';
import { recentSessions, toViewerSession } from '../core/viewer-sessions';

/**
 * GET /invites/{inviteId}/viewers: who is watching the caller: the viewers the caller's page
 * reports connected now, and the sessions minted on the invite in the last hour.
 */
export const handler = httpHandler('listInviteViewers', async ({ params, caller }) => {
  const item = await getOrgInvite(params.inviteId!, caller.orgId!);
  const recent = await recentSessions(`invite#${item.inviteId}`);
  const connected = new Set(callerReportedViewers(item));
  return {
    body: {
      connected: connected.size,
      ...(item.viewersReportedAt ? { reportedAt: item.viewersReportedAt } : {}),
      sessions: recent.map((s) => toViewerSession(s, caller.sub, connected)),
    },
  };
});
