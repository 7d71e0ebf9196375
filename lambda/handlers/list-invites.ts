import { httpHandler } from '../core/http';
import { listOrgInvites, toInvite } from '../core/invites';

/** GET /invites: the dispatcher's organisation's invites, newest first, a page at a time. */
export const handler = httpHandler('listInvites', async ({ caller, event }) => {
  const cursor = event.queryStringParameters?.cursor ?? undefined;
  const page = await listOrgInvites(caller.orgId!, cursor);
  const now = new Date();
  return {
    body: {
      invites: page.items.map((item) => toInvite(item, now)),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    },
  };
});
