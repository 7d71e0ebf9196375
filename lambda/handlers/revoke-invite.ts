import { httpHandler } from '../core/http';
import { deleteInviteChannel } from '../core/invite-channels';
import { getOrgInvite, stopInvite } from '../core/invites';

/**
 * DELETE /invites/{inviteId}: the link stops at once (every caller route checks the status) and
 * the channel is deleted, which ends any stream on it. Revoking a stopped invite changes nothing.
 */
export const handler = httpHandler('revokeInvite', async ({ params, caller }) => {
  const item = await getOrgInvite(params.inviteId!, caller.orgId!);
  if (await stopInvite(item, 'revoked', { actor: caller.sub })) {
    await deleteInviteChannel(item.channelArn);
  }
});
