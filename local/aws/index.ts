import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { IceServer } from '@aws-sdk/client-kinesis-video-signaling';
import { signedPrincipal } from './http';
import { IdentityStore, randomId, type RoleDefinition } from './identity';
import { createIotData, type ShadowBackend } from './iot-data';
import { createKvsControl, type ChannelEndpoints } from './kvs-control';
import { createS3, type BucketDefinition } from './s3';
import { createSms, type SentText } from './sms';
import { ChannelStore, type Channel } from './kvs-channels';
import { createSignaling, type SignalingLimits } from './signaling';
import { cors } from './cors';
import { createSts } from './sts';

/**
 * The emulated AWS services of the local cloud, mounted under `/aws` on its one HTTPS origin:
 *
 * - `/aws/sts`             STS (AssumeRole, GetCallerIdentity)
 * - `/aws/kvs`             the KVS control plane
 * - `/aws/kvs/https`       a channel's HTTPS endpoint (GetIceServerConfig)
 * - `/aws/kvs/signaling`   a channel's WSS endpoint (ConnectAsMaster / ConnectAsViewer)
 * - `/aws/s3`              S3, path-style (presigned POST uploads, GET/HEAD objects)
 * - `/aws/sms`             End User Messaging SMS (SendTextMessage, delivered to the outbox)
 * - `/aws/iot-data`        the AWS IoT data plane's classic shadow (GetThingShadow, UpdateThingShadow)
 *
 * KVS is also served at the root of a listener of its own, for cameras (`handleKvsRequest`,
 * `handleKvsUpgrade`): the control plane, `/v1/get-ice-server-config` and the signaling socket,
 * the way the KVS C SDK calls them.
 */

export { ADMIN_PRINCIPAL_ARN, type RoleDefinition } from './identity';
export type { PolicyDocument } from './policy';
export type { Channel } from './kvs-channels';
export type { BucketDefinition } from './s3';
export type { ShadowBackend } from './iot-data';
export type { SentText } from './sms';

const STS_PATH = '/aws/sts';
const KVS_PATH = '/aws/kvs';
const SIGNALING_PATH = '/aws/kvs/signaling';
const KVS_HTTPS_PREFIX = '/https';
const ICE_CONFIG_PATH = '/v1/get-ice-server-config';
const S3_PATH = '/aws/s3';
const SMS_PATH = '/aws/sms';
const IOT_DATA_PATH = '/aws/iot-data';

export interface LocalAwsOptions {
  /** The HTTPS origin clients reach, e.g. `https://localhost:8443`. */
  origin: string;
  /** The origin of KVS's own listener for cameras, e.g. `https://127.41.7.1`, if there is one. */
  kvsOrigin?: string;
  /** The TURN servers GetIceServerConfig offers (none if omitted). */
  iceServers?: (clientName: string) => IceServer[];
  /** Where channels are kept; omit to keep them in memory. */
  channelsFile?: string;
  /** The emulators' clock (epoch ms); tests move it to expire credentials and URLs. */
  now?: () => number;
  signaling?: Partial<SignalingLimits>;
  /** Where S3 objects are kept; omit to keep them in memory. */
  objectsDir?: string;
  /** Where sent SMS go (the outbox); dropped if omitted. */
  deliverSms?: (text: SentText) => void;
  log?: (line: string) => void;
}

export interface LocalAws {
  /** Override URLs keyed by SDK service id, for outputs.json and AWS_ENDPOINT_URL_*. */
  endpoints: {
    sts: string;
    kinesisvideo: string;
    s3: string;
    'pinpoint-sms-voice-v2': string;
    'iot-data-plane': string;
  };
  /** Registers (or replaces) a role STS may issue sessions for. */
  registerRole(role: RoleDefinition): void;
  /**
   * Puts the IoT data plane in front of the shadow service the broker runs (AWS IoT starts after
   * these emulators; until then the data plane answers 503).
   */
  serveShadows(shadows: ShadowBackend): void;
  /** Creates (or updates) an S3 bucket with its CORS origins. */
  createBucket(bucket: BucketDefinition): void;
  /**
   * Issues a session of a role for an AWS service that assumes it on a caller's behalf (the IoT
   * credentials provider), as STS does for that service: the role must trust `service`, and the
   * session keeps `context` for the policy variables its role policy names.
   */
  issueServiceSession(input: {
    roleArn: string;
    service: string;
    sessionName: string;
    durationSeconds: number;
    context: Record<string, string>;
  }): { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: string };
  /** Creates a signaling channel in-process, as CreateSignalingChannel would; returns it. */
  createChannel(input: { name: string; messageTtlSeconds?: number; tags?: Record<string, string> }): Channel;
  /** A channel by name, if it exists (for in-process callers such as the demo device). */
  channel(name: string): Channel | undefined;
  /** Sends GO_AWAY or RECONNECT_ICE_SERVER to a channel's connections; returns how many got it. */
  injectSignaling(channelArn: string, messageType: 'GO_AWAY' | 'RECONNECT_ICE_SERVER'): number;
  /** Serves a request under `/aws`; false if the path is not ours. */
  handleRequest(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Takes a WebSocket upgrade for the signaling endpoint; false if the path is not ours. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Serves a request on KVS's own listener (`kvsOrigin`); false if the path is not KVS's. */
  handleKvsRequest(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Takes a WebSocket upgrade on KVS's own listener; false if the path is not the socket's. */
  handleKvsUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /**
   * For a service emulated outside this module (the Cognito proxy): checks a request's SigV4
   * signature for `service` and that its principal may do `action` on `resource`, as IAM would.
   */
  authorizeSigned(
    req: IncomingMessage,
    body: Buffer,
    check: { service: string; action: string; resource: string },
  ): SignedDecision;
  close(): void;
}

/** A signed request's fate: allowed, or the service's error status, type and message. */
export type SignedDecision =
  { allowed: true } | { allowed: false; status: number; type: string; message: string };

export function createLocalAws(options: LocalAwsOptions): LocalAws {
  const now = options.now ?? Date.now;
  const identities = new IdentityStore();
  const channels = new ChannelStore(options.channelsFile);
  const wssOrigin = options.origin.replace(/^https:/, 'wss:');
  const sts = createSts({ identities, now });
  const kvs = createKvsControl({ identities, channels, now, iceServers: options.iceServers });
  // GetSignalingChannelEndpoint answers endpoints reachable the way the request came: asked on
  // the main origin (the handlers, browsers), the main origin's, so a browser needs one
  // certificate exception only; asked on KVS's own listener (cameras), that listener's, with no
  // path and no port, as KVS's own endpoints are.
  const mainEndpoints: ChannelEndpoints = {
    wss: `${wssOrigin}${SIGNALING_PATH}`,
    https: `${options.origin}${KVS_PATH}${KVS_HTTPS_PREFIX}`,
  };
  const kvsEndpoints: ChannelEndpoints | undefined = options.kvsOrigin
    ? { wss: options.kvsOrigin.replace(/^https:/, 'wss:'), https: options.kvsOrigin }
    : undefined;
  const s3 = createS3({ identities, now, dir: options.objectsDir });
  const sms = createSms({ identities, now, deliver: options.deliverSms ?? (() => undefined) });
  const signaling = createSignaling({
    identities,
    channels,
    now,
    limits: options.signaling,
    log: options.log,
  });
  let shadows: ShadowBackend | undefined;
  const iotData = createIotData({ identities, now, shadows: () => shadows });

  return {
    endpoints: {
      sts: `${options.origin}${STS_PATH}`,
      kinesisvideo: `${options.origin}${KVS_PATH}`,
      s3: `${options.origin}${S3_PATH}`,
      'pinpoint-sms-voice-v2': `${options.origin}${SMS_PATH}`,
      'iot-data-plane': `${options.origin}${IOT_DATA_PATH}`,
    },
    registerRole: (role) => identities.registerRole(role),
    serveShadows(backend) {
      shadows = backend;
    },
    createBucket: (bucket) => s3.createBucket(bucket),
    issueServiceSession(input) {
      const role = identities.role(input.roleArn);
      if (!role || !role.trustedPrincipals.includes(input.service)) {
        throw new Error(`Role ${input.roleArn} does not trust ${input.service}`);
      }
      const duration = Math.min(input.durationSeconds, role.maxSessionDurationSeconds);
      const expiresAt = Math.floor((now() + duration * 1000) / 1000) * 1000;
      const credential = {
        accessKeyId: `ASIA${randomId(16)}`,
        secretAccessKey: randomBytes(30).toString('base64'),
        sessionToken: randomBytes(240).toString('base64'),
      };
      identities.addCredential({
        ...credential,
        expiresAt,
        principal: {
          kind: 'session',
          arn: `arn:aws:sts::${role.arn.split(':')[4]!}:assumed-role/${role.name}/${input.sessionName}`,
          userId: `${role.id}:${input.sessionName}`,
          account: role.arn.split(':')[4]!,
          roleArn: role.arn,
          sessionName: input.sessionName,
          context: { ...input.context },
        },
      });
      identities.prune(now());
      return { ...credential, expiration: new Date(expiresAt).toISOString().replace('.000Z', 'Z') };
    },
    authorizeSigned(req, body, check) {
      class Refused extends Error {
        constructor(
          readonly status: number,
          readonly type: string,
          message: string,
        ) {
          super(message);
        }
      }
      try {
        const principal = signedPrincipal(
          req,
          body,
          identities,
          check.service,
          now(),
          (status, type, message) => new Refused(status, type, message),
        );
        const decision = identities.authorize(principal, check.action, check.resource);
        if (!decision.allowed) {
          return { allowed: false, status: 400, type: 'AccessDeniedException', message: decision.message };
        }
        return { allowed: true };
      } catch (err) {
        if (!(err instanceof Refused)) throw err;
        return { allowed: false, status: err.status, type: err.type, message: err.message };
      }
    },
    createChannel: (input) => channels.create(input, now()),
    channel: (name) => channels.byName(name),
    injectSignaling: (arn, type) => signaling.inject(arn, type),
    async handleRequest(req, res) {
      const path = pathOf(req);
      if (path === STS_PATH || path === `${STS_PATH}/`) {
        if (!cors(req, res)) await sts(req, res);
        return true;
      }
      if (path.startsWith(`${S3_PATH}/`)) {
        await s3.handle(req, res, (req.url ?? '/').slice(S3_PATH.length));
        return true;
      }
      if (path === SMS_PATH || path === `${SMS_PATH}/`) {
        await sms(req, res);
        return true;
      }
      if (path.startsWith(`${IOT_DATA_PATH}/`)) {
        await iotData(req, res, (req.url ?? '/').slice(IOT_DATA_PATH.length));
        return true;
      }
      if (path.startsWith(`${KVS_PATH}/`)) {
        if (!cors(req, res)) await kvs(req, res, path.slice(KVS_PATH.length), mainEndpoints);
        return true;
      }
      return false;
    },
    handleUpgrade(req, socket, head) {
      if (pathOf(req) !== SIGNALING_PATH) return false;
      signaling.handleUpgrade(req, socket, head);
      return true;
    },
    async handleKvsRequest(req, res) {
      const path = pathOf(req);
      if (!kvsEndpoints || path.startsWith(KVS_HTTPS_PREFIX)) return false;
      // The channel's HTTPS endpoint is this origin too: its one operation sits at the root.
      const operation = path === ICE_CONFIG_PATH ? `${KVS_HTTPS_PREFIX}${ICE_CONFIG_PATH}` : path;
      if (!cors(req, res)) await kvs(req, res, operation, kvsEndpoints);
      return true;
    },
    handleKvsUpgrade(req, socket, head) {
      // The C SDK opens `wss://<endpoint>?X-Amz-ChannelARN=...`, which arrives as `/?...`.
      if (!kvsEndpoints || pathOf(req) !== '/') return false;
      signaling.handleUpgrade(req, socket, head);
      return true;
    },
    close: () => signaling.close(),
  };
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}
