import type { Session } from '../contract/types';
import { masterSessionPolicy } from './kvs-policies';
import { EndpointCache, mintSession, type SessionServices } from './sessions';

const endpointCache = new EndpointCache();

/**
 * Mints the caller's MASTER session on its invite's one channel: the caller role, narrowed by a
 * session policy naming that channel ARN, for 15 minutes. The role session name and source
 * identity carry the invite id, since a caller has no account.
 */
export async function mintCallerSession(
  input: { channelArn: string; inviteId: string; roleArn: string },
  services: SessionServices,
  cache: EndpointCache = endpointCache,
): Promise<Session> {
  const who = `caller.${input.inviteId}`;
  return mintSession(
    {
      channelArn: input.channelArn,
      roleArn: input.roleArn,
      role: 'MASTER',
      sessionNameOf: input.inviteId,
      sourceIdentityOf: who,
      policy: masterSessionPolicy,
      audit: {
        subject: `invite#${input.inviteId}`,
        action: 'session.minted',
        actor: who,
        detail: { channel: input.channelArn, role: 'MASTER' },
      },
      iceClientId: 'master',
      throttledMessage: 'Too many sessions are starting right now; try again.',
    },
    services,
    cache,
  );
}
