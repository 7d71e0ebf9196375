import { ProblemError } from '../core/errors';
import { httpHandler } from '../core/http';
import { toInvite } from '../core/invites';
import { openLink } from '../core/link-access';
import { getOrganisation } from '../core/organisations';

/**
 * POST /citizen/invite: what the caller's consent screen says: who asks, the reference, until
 * when, and how long photos are kept. The first call from a browser binds the link to its key.
 */
export const handler = httpHandler('getCitizenInvite', async ({ body }) => {
  const item = await openLink('getCitizenInvite', body);
  const org = await getOrganisation(item.orgId);
  if (!org) throw new Error(`Invite ${item.inviteId} names an unknown organisation`);
  const invite = toInvite(item);
  if (invite.status === 'expired') throw new ProblemError('INVITE_EXPIRED');
  return {
    body: {
      organisationName: org.name,
      ...(item.reference !== undefined ? { reference: item.reference } : {}),
      status: invite.status,
      expiresAt: item.expiresAt,
      locale: item.locale,
      photoRetentionDays: org.photoRetentionDays,
    },
  };
});
