import {
  CreateSignalingChannelCommand,
  DeleteSignalingChannelCommand,
  KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import { INVITE_CHANNEL_PREFIX } from './kvs-policies';

/**
 * Each invite has its own KVS signaling channel, `invite-<inviteId>`, made when the invite is
 * sent and deleted when it is revoked, ended or expired, so a stopped link has nothing left to
 * connect to.
 */

let kvs: KinesisVideoClient | undefined;
const client = () => (kvs ??= new KinesisVideoClient({}));

export function inviteChannelName(inviteId: string): string {
  return `${INVITE_CHANNEL_PREFIX}${inviteId}`;
}

export async function createInviteChannel(inviteId: string, orgId: string): Promise<string> {
  const out = await client().send(
    new CreateSignalingChannelCommand({
      ChannelName: inviteChannelName(inviteId),
      ChannelType: 'SINGLE_MASTER',
      Tags: [
        { Key: 'sightline:invite', Value: inviteId },
        { Key: 'sightline:org', Value: orgId },
      ],
    }),
  );
  if (!out.ChannelARN) throw new Error('CreateSignalingChannel returned no ChannelARN');
  return out.ChannelARN;
}

/** Deletes the channel; one already gone counts as deleted. */
export async function deleteInviteChannel(channelArn: string): Promise<void> {
  try {
    await client().send(new DeleteSignalingChannelCommand({ ChannelARN: channelArn }));
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') return;
    throw err;
  }
}
