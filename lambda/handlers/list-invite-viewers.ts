import { httpHandler } from '../core/http';
import { callerReportedViewers, getOrgInvite } from '../core/invites';
import { isLive, recentSessions, toViewerSession } from '../core/viewer-sessions';

/**
 * GET /invites/{inviteId}/viewers: who is watching the caller: the viewers the caller's page
 * reports connected now, and the sessions minted on the invite in the last hour. A viewer counts
 * as connected only while its session is live: an ended session's connection is being dropped
 * (the caller's page drops it at its next report), so a revoked invite has none at once.
 */
export const handler = httpHandler('listInviteViewers', async ({ params, caller }) => {
  const item = await getOrgInvite(params.inviteId!, caller.orgId!);
  const recent = await recentSessions(`invite#${item.inviteId}`);
  const live = new Set(recent.filter((s) => isLive(s)).map((s) => s.clientId));
  const connected = new Set(callerReportedViewers(item).filter((clientId) => live.has(clientId)));
  return {
    body: {
      connected: connected.size,
      ...(item.viewersReportedAt ? { reportedAt: item.viewersReportedAt } : {}),
      sessions: recent.map((s) => toViewerSession(s, caller.sub, connected)),
    },
  };
});
