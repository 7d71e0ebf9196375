import { randomBytes } from 'node:crypto';
import { GetSignalingChannelEndpointCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import {
  GetIceServerConfigCommand,
  KinesisVideoSignalingClient,
  type IceServer as KvsIceServer,
} from '@aws-sdk/client-kinesis-video-signaling';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { sessionSchema } from '../contract/schemas';
import type { Session } from '../contract/types';
import { recordAudit, type AuditEntry } from './audit';
import { ownDevice } from './device-ownership';
import type { DeviceItem } from './devices';
import { ProblemError } from './errors';
import {
  parseChannelArn,
  sessionPolicyJson,
  viewerSessionPolicy,
  type KvsRole,
  type PolicyDocumentJson,
} from './kvs-policies';
import { explainInvalid } from './validation';
import { newSessionItem, recordSession, type ViewerOrigin, type ViewerSessionItem } from './viewer-sessions';

/** Viewer and caller credentials last 15 minutes (docs/design.md §4), STS's shortest. */
export const SESSION_SECONDS = 900;

/** Channel endpoints are stable per channel; a new channel has a new ARN, so nothing goes stale. */
export const ENDPOINT_TTL_MS = 10 * 60 * 1000;

export interface Endpoints {
  wss: string;
  https: string;
}

export type IceServer = Session['iceServers'][number];

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** The outside world a session needs, so the orchestration can be tested without it. */
export interface SessionServices {
  assumeRole(input: {
    roleArn: string;
    roleSessionName: string;
    sourceIdentity: string;
    policy: string;
    durationSeconds: number;
  }): Promise<TemporaryCredentials>;
  getEndpoints(channelArn: string, role: KvsRole): Promise<Endpoints>;
  getIceServers(httpsEndpoint: string, channelArn: string, clientId: string): Promise<KvsIceServer[]>;
  /** Writes the audit record, with the session's own record when it has one (one transaction). */
  audit(entry: AuditEntry, record?: ViewerSessionItem): Promise<void>;
}

/** The channel a caller may watch: their own device's (see `ownDevice`). */
export function channelToWatch(found: DeviceItem | undefined, callerSub: string): string {
  const device = ownDevice(found, callerSub);
  if (!device.channelArn) {
    throw new ProblemError(
      'DEVICE_NOT_PROVISIONED',
      'The camera has not connected for the first time yet. Switch it on, wait a minute and try again.',
    );
  }
  return device.channelArn;
}

/** STS's character set for role session names and source identities: `[\w+=,.@-]`. */
function stsSafe(text: string): string {
  return text.replace(/[^\w+=,.@-]/g, '_');
}

/** The role session name: the role and the user, so CloudTrail tells users apart (2-64 characters). */
export function roleSessionName(role: KvsRole, sub: string): string {
  return `${role.toLowerCase()}.${stsSafe(sub)}`.slice(0, 64);
}

/** The source identity: the user's `sub`, which stays on the session and anything it assumes. */
export function sourceIdentity(sub: string): string {
  const safe = stsSafe(sub).slice(0, 64);
  if (safe.length < 2) throw new Error('A source identity needs at least 2 characters');
  return safe;
}

/** A fresh viewer client id: 128 random bits, in the channel's `[A-Za-z0-9_.-]` alphabet. */
export function newViewerClientId(): string {
  return `viewer-${randomBytes(16).toString('base64url')}`;
}

/** KVS's regional STUN server, which the SDKs add to the TURN servers themselves. */
export function stunServer(region: string): IceServer {
  const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return { urls: [`stun:stun.kinesisvideo.${region}.${domain}:443`] };
}

/** The STUN server, then KVS's TURN servers as RTCIceServer. */
export function toIceServers(region: string, turn: readonly KvsIceServer[]): IceServer[] {
  const servers: IceServer[] = [stunServer(region)];
  for (const server of turn) {
    if (!server.Uris?.length) continue;
    servers.push({
      urls: [...server.Uris],
      ...(server.Username !== undefined ? { username: server.Username } : {}),
      ...(server.Password !== undefined ? { credential: server.Password } : {}),
    });
  }
  return servers;
}

/**
 * Channel endpoints per channel and role, for a while, across invocations of one execution
 * environment. It keeps the promise, so concurrent requests for one channel make one call, and it
 * forgets a failed one at once.
 */
export class EndpointCache {
  private readonly entries = new Map<string, { expiresAt: number; value: Promise<Endpoints> }>();

  constructor(
    private readonly ttlMs = ENDPOINT_TTL_MS,
    private readonly maxEntries = 1000,
    private readonly clock: () => number = Date.now,
  ) {}

  get(channelArn: string, role: KvsRole, load: () => Promise<Endpoints>): Promise<Endpoints> {
    const key = `${role} ${channelArn}`;
    const now = this.clock();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    const value = load();
    this.entries.delete(key);
    this.entries.set(key, { expiresAt: now + this.ttlMs, value });
    // Maps iterate in insertion order: the first key is the oldest.
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}

const endpointCache = new EndpointCache();

const THROTTLING = new Set(['ClientLimitExceededException', 'ThrottlingException', 'Throttling']);

/** What tells one kind of session from another; the minting itself is the same for both. */
export interface SessionRequest {
  channelArn: string;
  roleArn: string;
  role: KvsRole;
  /** Who the session is for, in the role session name (with the role). */
  sessionNameOf: string;
  /** Who the session is for, as the source identity. */
  sourceIdentityOf: string;
  /** Narrows the role to this one channel. */
  policy: (channelArn: string) => PolicyDocumentJson;
  /** Recorded once minted, and before anyone sees the credentials. */
  audit: AuditEntry;
  /** The session's own record (a viewer's), given the credentials' expiry; stored with the audit. */
  record?: (expiresAt: Date) => ViewerSessionItem;
  /** The client id GetIceServerConfig is asked for. */
  iceClientId: string;
  /** The client id the session carries, if its role has one (a viewer's). */
  clientId?: string;
  /** What a throttled caller is told. */
  throttledMessage: string;
}

/**
 * Mints a session on one channel. The three independent things run at once: AssumeRole (then its
 * audit record), and the channel's endpoints (usually cached) followed by its TURN servers. The
 * TURN servers are fetched with the function's own credentials, so they need not wait for the
 * minted ones.
 */
export async function mintSession(
  request: SessionRequest,
  services: SessionServices,
  cache: EndpointCache = endpointCache,
): Promise<Session> {
  const { channelArn, role } = request;
  const channel = parseChannelArn(channelArn);
  if (!channel) throw new Error(`Stored channel ARN is not a KVS channel ARN: ${channelArn}`);

  const credentials = services
    .assumeRole({
      roleArn: request.roleArn,
      roleSessionName: roleSessionName(role, request.sessionNameOf),
      sourceIdentity: sourceIdentity(request.sourceIdentityOf),
      policy: sessionPolicyJson(request.policy(channelArn)),
      durationSeconds: SESSION_SECONDS,
    })
    .then(async (minted) => {
      const record = request.record?.(minted.expiration);
      await (record ? services.audit(request.audit, record) : services.audit(request.audit));
      return minted;
    });
  const endpoints = cache.get(channelArn, role, () => services.getEndpoints(channelArn, role));
  const turn = endpoints.then((e) => services.getIceServers(e.https, channelArn, request.iceClientId));

  let results: [TemporaryCredentials, Endpoints, KvsIceServer[]];
  try {
    results = await Promise.all([credentials, endpoints, turn]);
  } catch (err) {
    if (err instanceof Error && THROTTLING.has(err.name)) {
      throw new ProblemError('THROTTLED', request.throttledMessage, { 'Retry-After': '1' });
    }
    throw err;
  }
  const [minted, { wss, https }, turnServers] = results;

  const session: Session = {
    channelArn,
    channelName: channel.name,
    region: channel.region,
    role,
    ...(request.clientId !== undefined ? { clientId: request.clientId } : {}),
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

/**
 * Mints a viewer session on one channel, with a fresh client id, for a signed-in user, and records
 * it (who, from where, with which fingerprint) for the sending side's check and "who is watching".
 */
export async function mintViewerSession(
  input: {
    channelArn: string;
    origin: ViewerOrigin;
    roleArn: string;
    subject: string;
    /** The viewer's DTLS fingerprint, recorded with the session from the start. */
    fingerprint?: string;
  },
  services: SessionServices,
  cache: EndpointCache = endpointCache,
): Promise<Session> {
  const clientId = newViewerClientId();
  const now = new Date();
  return mintSession(
    {
      channelArn: input.channelArn,
      roleArn: input.roleArn,
      role: 'VIEWER',
      sessionNameOf: input.origin.sub,
      sourceIdentityOf: input.origin.sub,
      policy: viewerSessionPolicy,
      audit: {
        subject: input.subject,
        action: 'session.minted',
        actor: input.origin.sub,
        detail: { channel: input.channelArn, role: 'VIEWER', clientId },
      },
      record: (expiresAt) =>
        newSessionItem(input.subject, clientId, input.origin, expiresAt, now, input.fingerprint),
      iceClientId: clientId,
      clientId,
      throttledMessage: 'Too many people are starting to watch right now; try again.',
    },
    services,
    cache,
  );
}

/** The real services: the SDK's clients, with endpoints from its own configuration. */
export function awsSessionServices(): SessionServices {
  const sts = new STSClient({});
  const kvs = new KinesisVideoClient({});
  const signaling = new Map<string, KinesisVideoSignalingClient>();
  const signalingFor = (endpoint: string) => {
    let client = signaling.get(endpoint);
    if (!client) {
      if (signaling.size >= 100) signaling.clear();
      // The HTTPS endpoint is the channel's own host, as GetSignalingChannelEndpoint gave it.
      client = new KinesisVideoSignalingClient({ endpoint });
      signaling.set(endpoint, client);
    }
    return client;
  };

  return {
    async assumeRole(input) {
      const out = await sts.send(
        new AssumeRoleCommand({
          RoleArn: input.roleArn,
          RoleSessionName: input.roleSessionName,
          SourceIdentity: input.sourceIdentity,
          Policy: input.policy,
          DurationSeconds: input.durationSeconds,
        }),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
        throw new Error('AssumeRole returned no credentials');
      }
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
    },

    async getEndpoints(channelArn, role) {
      const out = await kvs.send(
        new GetSignalingChannelEndpointCommand({
          ChannelARN: channelArn,
          SingleMasterChannelEndpointConfiguration: { Protocols: ['WSS', 'HTTPS'], Role: role },
        }),
      );
      const byProtocol = new Map(
        (out.ResourceEndpointList ?? []).map((e) => [e.Protocol?.toUpperCase(), e.ResourceEndpoint]),
      );
      const wss = byProtocol.get('WSS');
      const https = byProtocol.get('HTTPS');
      if (!wss || !https)
        throw new Error(`GetSignalingChannelEndpoint gave no WSS and HTTPS for ${channelArn}`);
      return { wss, https };
    },

    async getIceServers(httpsEndpoint, channelArn, clientId) {
      const out = await signalingFor(httpsEndpoint).send(
        new GetIceServerConfigCommand({ ChannelARN: channelArn, ClientId: clientId }),
      );
      return out.IceServerList ?? [];
    },

    async audit(entry, record) {
      if (record) await recordSession(record, entry);
      else await recordAudit(entry);
    },
  };
}
