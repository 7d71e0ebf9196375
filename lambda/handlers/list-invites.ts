import { httpHandler } from '../core/http';
import { listOrgInvites, toInvite } from '../core/invites';
import { getOrganisation } from '../core/organisations';

/**
 * GET /invites: the dispatcher's organisation's invites, newest first, a page at a time, and the
 * countries it may text, so the invite form offers only those.
 */
export const handler = httpHandler('listInvites', async ({ caller, event }) => {
  const cursor = event.queryStringParameters?.cursor ?? undefined;
  const [page, org] = await Promise.all([
    listOrgInvites(caller.orgId!, cursor),
    getOrganisation(caller.orgId!),
  ]);
  const now = new Date();
  return {
    body: {
      invites: page.items.map((item) => toInvite(item, now)),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      allowedCountries: org?.allowedCountries ?? [],
    },
  };
});
