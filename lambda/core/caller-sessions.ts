import type { Session } from '../contract/types';
import { sessionSchema } from '../contract/schemas';
import { ProblemError } from './errors';
import { masterSessionPolicy, parseChannelArn, sessionPolicyJson } from './kvs-policies';
import {
  EndpointCache,
  roleSessionName,
  SESSION_SECONDS,
  sourceIdentity,
  toIceServers,
  type Endpoints,
  type SessionServices,
  type TemporaryCredentials,
} from './sessions';
import { explainInvalid } from './validation';

const endpointCache = new EndpointCache();
const THROTTLING = new Set(['ClientLimitExceededException', 'ThrottlingException', 'Throttling']);

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
  const channel = parseChannelArn(input.channelArn);
  if (!channel) throw new Error(`Stored channel ARN is not a KVS channel ARN: ${input.channelArn}`);
  const who = `caller.${input.inviteId}`;
  const credentials = services
    .assumeRole({
      roleArn: input.roleArn,
      roleSessionName: roleSessionName('MASTER', input.inviteId),
      sourceIdentity: sourceIdentity(who),
      policy: sessionPolicyJson(masterSessionPolicy(input.channelArn)),
      durationSeconds: SESSION_SECONDS,
    })
    .then(async (minted) => {
      await services.audit({
        subject: `invite#${input.inviteId}`,
        action: 'session.minted',
        actor: who,
        detail: { channel: input.channelArn, role: 'MASTER' },
      });
      return minted;
    });
  const endpoints = cache.get(input.channelArn, 'MASTER', () =>
    services.getEndpoints(input.channelArn, 'MASTER'),
  );
  const turn = endpoints.then((e) => services.getIceServers(e.https, input.channelArn, 'master'));

  let results: [TemporaryCredentials, Endpoints, Awaited<ReturnType<SessionServices['getIceServers']>>];
  try {
    results = await Promise.all([credentials, endpoints, turn]);
  } catch (err) {
    if (err instanceof Error && THROTTLING.has(err.name)) {
      throw new ProblemError('THROTTLED', 'Too many sessions are starting right now; try again.', {
        'Retry-After': '1',
      });
    }
    throw err;
  }
  const [minted, { wss, https }, turnServers] = results;
  const session: Session = {
    channelArn: input.channelArn,
    channelName: channel.name,
    region: channel.region,
    role: 'MASTER',
    credentials: {
      accessKeyId: minted.accessKeyId,
      secretAccessKey: minted.secretAccessKey,
      sessionToken: minted.sessionToken,
      expiration: minted.expiration.toISOString(),
    },
    endpoints: { wss, https },
    iceServers: toIceServers(channel.region, turnServers),
  };
  const invalid = explainInvalid(sessionSchema, session);
  if (invalid) throw new Error(`The minted session does not match the contract: ${invalid}`);
  return session;
}
