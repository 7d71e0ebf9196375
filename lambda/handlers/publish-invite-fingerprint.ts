import { httpHandler } from '../core/http';
import { getOrgInvite, inactiveProblem, isActive } from '../core/invites';
import { answerPublish, publishFingerprint } from '../core/viewer-sessions';

/**
 * PUT /invites/{inviteId}/sessions/{clientId}/fingerprint: a dispatcher's viewer publishes its DTLS
 * fingerprint before it offers; the caller's page accepts only viewers whose fingerprint is
 * recorded. The answer carries the caller's own published fingerprint and judges the one the
 * viewer was answered with (`observed`).
 */
export const handler = httpHandler('publishInviteSessionFingerprint', async ({ params, caller, body }) => {
  const item = await getOrgInvite(params.inviteId!, caller.orgId!);
  if (!isActive(item)) throw inactiveProblem(item);
  const session = await publishFingerprint(
    `invite#${item.inviteId}`,
    params.clientId!,
    caller.sub,
    body.fingerprint,
  );
  return { body: await answerPublish(session, body, item.callerFingerprint) };
});
