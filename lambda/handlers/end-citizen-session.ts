import { httpHandler } from '../core/http';
import { deleteInviteChannel } from '../core/invite-channels';
import { stopInvite } from '../core/invites';
import { openLink } from '../core/link-access';

/** POST /citizen/end: the caller pressed stop; the invite ends and its channel goes. */
export const handler = httpHandler('endCitizenSession', async ({ body }) => {
  const item = await openLink('endCitizenSession', body);
  if (await stopInvite(item, 'ended', { actor: `caller.${item.inviteId}` })) {
    await deleteInviteChannel(item.channelArn);
  }
});
