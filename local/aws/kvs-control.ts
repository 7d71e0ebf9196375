import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IceServer } from '@aws-sdk/client-kinesis-video-signaling';
import { readBody, send, signedPrincipal } from './http';
import type { IdentityStore, Principal } from './identity';
import {
  channelArnPattern,
  CHANNEL_NAME,
  isChannelArn,
  KvsError,
  MAX_TAGS,
  type Channel,
  type ChannelStore,
} from './kvs-channels';

/**
 * The KVS control plane (rest-json: `POST /<operation>` with a JSON body) and the per-channel
 * HTTPS endpoint's GetIceServerConfig. Every call is SigV4-verified and then authorised as
 * `kinesisvideo:<Action>` on the channel it names, before the channel is looked up, so a caller
 * without permission learns nothing about which channels exist.
 */

export interface KvsControlOptions {
  identities: IdentityStore;
  channels: ChannelStore;
  now: () => number;
  /** The TURN servers GetIceServerConfig offers a client (none without a TURN server). */
  iceServers?: (clientName: string) => IceServer[];
}

/** The WSS and HTTPS endpoints GetSignalingChannelEndpoint hands out (no `?`, per the KVS SDK). */
export interface ChannelEndpoints {
  wss: string;
  https: string;
}

type Input = Record<string, unknown>;
type Operation = (input: Input, principal: Principal, endpoints: ChannelEndpoints) => unknown;

export function createKvsControl(options: KvsControlOptions) {
  const { identities, channels, now } = options;

  /**
   * Denials as the service models have them: the control plane's AccessDeniedException and the
   * signaling service's NotAuthorizedException (GetIceServerConfig), both 401.
   */
  const authorize = (principal: Principal, action: string, resource: string) => {
    const decision = identities.authorize(principal, `kinesisvideo:${action}`, resource);
    if (decision.allowed) return;
    const code = action === 'GetIceServerConfig' ? 'NotAuthorizedException' : 'AccessDeniedException';
    throw new KvsError(401, code, decision.message);
  };

  /** Resolves ChannelName or ChannelARN after authorising the action on it. */
  const namedChannel = (input: Input, principal: Principal, action: string): Channel => {
    if (input.ChannelARN !== undefined) {
      const arn = arnField(input, 'ChannelARN');
      authorize(principal, action, arn);
      return channels.require(arn);
    }
    const name = input.ChannelName;
    if (typeof name !== 'string' || !CHANNEL_NAME.test(name)) {
      throw new KvsError(400, 'InvalidArgumentException', 'Either ChannelName or ChannelARN is required.');
    }
    const channel = channels.byName(name);
    authorize(principal, action, channel?.arn ?? channelArnPattern(name));
    if (!channel)
      throw new KvsError(
        404,
        'ResourceNotFoundException',
        'The requested channel is not found or not active.',
      );
    return channel;
  };

  const byArn = (input: Input, principal: Principal, action: string, field = 'ChannelARN'): Channel => {
    const arn = arnField(input, field);
    authorize(principal, action, arn);
    return channels.require(arn);
  };

  const operations: Record<string, Operation> = {
    '/createSignalingChannel': (input, principal) => {
      const name = input.ChannelName;
      if (typeof name !== 'string' || !CHANNEL_NAME.test(name)) {
        throw new KvsError(400, 'InvalidArgumentException', 'ChannelName must match [a-zA-Z0-9_.-]{1,256}.');
      }
      if (input.ChannelType !== undefined && input.ChannelType !== 'SINGLE_MASTER') {
        throw new KvsError(400, 'InvalidArgumentException', 'Only SINGLE_MASTER channels are supported.');
      }
      authorize(principal, 'CreateSignalingChannel', channels.nextArn(name, now()));
      const config = objectField(input, 'SingleMasterConfiguration');
      const channel = channels.create(
        {
          name,
          messageTtlSeconds: numberField(config, 'MessageTtlSeconds'),
          tags: tagList(input.Tags ?? []),
        },
        now(),
      );
      return { ChannelARN: channel.arn };
    },
    '/describeSignalingChannel': (input, principal) => ({
      ChannelInfo: channelInfo(namedChannel(input, principal, 'DescribeSignalingChannel')),
    }),
    '/deleteSignalingChannel': (input, principal) => {
      const channel = byArn(input, principal, 'DeleteSignalingChannel');
      channels.delete(channel.arn, optionalString(input, 'CurrentVersion'));
      return {};
    },
    '/listSignalingChannels': (input, principal) => {
      authorize(principal, 'ListSignalingChannels', '*');
      const max = numberField(input, 'MaxResults') ?? 500;
      if (!Number.isInteger(max) || max < 1 || max > 10000) {
        throw new KvsError(400, 'InvalidArgumentException', 'MaxResults must be between 1 and 10000.');
      }
      const condition = objectField(input, 'ChannelNameCondition');
      const prefix = typeof condition.ComparisonValue === 'string' ? condition.ComparisonValue : '';
      const all = channels.list().filter((c) => c.name.startsWith(prefix));
      const start =
        input.NextToken === undefined ? 0 : Number(Buffer.from(String(input.NextToken), 'base64').toString());
      if (!Number.isInteger(start) || start < 0)
        throw new KvsError(400, 'InvalidArgumentException', 'Invalid NextToken.');
      const page = all.slice(start, start + max);
      const next = start + max < all.length ? Buffer.from(String(start + max)).toString('base64') : undefined;
      return { ChannelInfoList: page.map(channelInfo), ...(next ? { NextToken: next } : {}) };
    },
    '/getSignalingChannelEndpoint': (input, principal, endpoints) => {
      byArn(input, principal, 'GetSignalingChannelEndpoint');
      const config = objectField(input, 'SingleMasterChannelEndpointConfiguration');
      const role = config.Role ?? 'MASTER';
      if (role !== 'MASTER' && role !== 'VIEWER') {
        throw new KvsError(400, 'InvalidArgumentException', 'Role must be MASTER or VIEWER.');
      }
      const protocols = config.Protocols ?? ['WSS', 'HTTPS'];
      if (!Array.isArray(protocols) || protocols.length < 1 || protocols.length > 5) {
        throw new KvsError(400, 'InvalidArgumentException', 'Protocols must list 1 to 5 protocols.');
      }
      return {
        ResourceEndpointList: [...new Set(protocols)].map((protocol) => {
          if (protocol === 'WSS') return { Protocol: 'WSS', ResourceEndpoint: endpoints.wss };
          if (protocol === 'HTTPS') return { Protocol: 'HTTPS', ResourceEndpoint: endpoints.https };
          // WEBRTC needs media storage (ingestion), which the local cloud does not emulate.
          throw new KvsError(
            400,
            'InvalidArgumentException',
            `The channel is not configured for ${String(protocol)}.`,
          );
        }),
      };
    },
    '/updateSignalingChannel': (input, principal) => {
      const channel = byArn(input, principal, 'UpdateSignalingChannel');
      const version = optionalString(input, 'CurrentVersion');
      if (version === undefined)
        throw new KvsError(400, 'InvalidArgumentException', 'CurrentVersion is required.');
      const ttl = numberField(objectField(input, 'SingleMasterConfiguration'), 'MessageTtlSeconds');
      if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 5 || ttl > 120)) {
        throw new KvsError(400, 'InvalidArgumentException', 'MessageTtlSeconds must be between 5 and 120');
      }
      channels.update(channel.arn, version, (c) => {
        if (ttl !== undefined) c.messageTtlSeconds = ttl;
      });
      return {};
    },
    '/describeMediaStorageConfiguration': (input, principal) => {
      namedChannel(input, principal, 'DescribeMediaStorageConfiguration');
      // Media ingestion is not emulated: DISABLED keeps clients on the peer-to-peer path.
      return { MediaStorageConfiguration: { Status: 'DISABLED' } };
    },
    '/TagResource': (input, principal) => {
      const channel = byArn(input, principal, 'TagResource', 'ResourceARN');
      const tags = tagList(input.Tags);
      if (Object.keys({ ...channel.tags, ...tags }).length > MAX_TAGS) {
        throw new KvsError(400, 'TagsPerResourceExceededLimitException', 'The channel has too many tags.');
      }
      channels.update(channel.arn, undefined, (c) => Object.assign(c.tags, tags), false);
      return {};
    },
    '/UntagResource': (input, principal) => {
      const channel = byArn(input, principal, 'UntagResource', 'ResourceARN');
      const keys = input.TagKeyList;
      if (!Array.isArray(keys) || keys.length < 1 || keys.length > MAX_TAGS) {
        throw new KvsError(400, 'InvalidArgumentException', 'TagKeyList must list 1 to 50 keys.');
      }
      channels.update(channel.arn, undefined, (c) => keys.forEach((k) => delete c.tags[String(k)]), false);
      return {};
    },
    '/ListTagsForResource': (input, principal) => ({
      Tags: { ...byArn(input, principal, 'ListTagsForResource', 'ResourceARN').tags },
    }),
    // The channel's HTTPS endpoint (the signaling service, which signs as kinesisvideo too).
    '/https/v1/get-ice-server-config': (input, principal) => {
      byArn(input, principal, 'GetIceServerConfig');
      if (input.ClientId !== undefined && !/^[a-zA-Z0-9_.-]{1,256}$/.test(String(input.ClientId))) {
        throw new KvsError(400, 'InvalidArgumentException', 'Invalid ClientId.');
      }
      if (input.Service !== undefined && input.Service !== 'TURN') {
        throw new KvsError(400, 'InvalidArgumentException', 'Service must be TURN.');
      }
      // Credentials per caller, as KVS's: the master's, or a viewer's by its client id.
      const name = typeof input.ClientId === 'string' ? input.ClientId : 'master';
      return { IceServerList: options.iceServers?.(name) ?? [] };
    },
  };

  /**
   * Handles a request whose full path is `<mount><operation>`; `endpoints` are the channel
   * endpoints reachable the way this request arrived.
   */
  return async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    operationPath: string,
    endpoints: ChannelEndpoints,
  ): Promise<void> {
    const requestId = randomUUID();
    try {
      const operation = operations[operationPath];
      if (req.method !== 'POST' || !operation) {
        throw new KvsError(404, 'UnknownOperationException', 'The requested operation is not supported.');
      }
      const body = await readBody(req);
      if (body === 'too-large') throw new KvsError(413, 'InvalidArgumentException', 'Request too large');
      const principal = signedPrincipal(
        req,
        body,
        identities,
        'kinesisvideo',
        now(),
        (status, type, message) => new KvsError(status, type, message),
      );
      let input: unknown;
      try {
        input = body.length ? JSON.parse(body.toString('utf8')) : {};
      } catch {
        throw new KvsError(400, 'SerializationException', 'The request body is not valid JSON.');
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        throw new KvsError(400, 'SerializationException', 'The request body must be a JSON object.');
      }
      const output = operation(input as Input, principal, endpoints);
      send(res, 200, 'application/json', JSON.stringify(output), { 'x-amzn-RequestId': requestId });
    } catch (err) {
      if (!(err instanceof KvsError)) throw err;
      // The SDK reads the code from x-amzn-ErrorType and the text from Message (or message).
      send(res, err.status, 'application/json', JSON.stringify({ Message: err.message }), {
        'x-amzn-RequestId': requestId,
        'x-amzn-ErrorType': err.code,
      });
    }
  };
}

function channelInfo(channel: Channel) {
  return {
    ChannelName: channel.name,
    ChannelARN: channel.arn,
    ChannelType: channel.type,
    ChannelStatus: channel.status,
    CreationTime: channel.createdAt / 1000,
    SingleMasterConfiguration: { MessageTtlSeconds: channel.messageTtlSeconds },
    Version: channel.version,
  };
}

function arnField(input: Input, field: string): string {
  const value = input[field];
  if (!isChannelArn(value))
    throw new KvsError(400, 'InvalidArgumentException', `${field} is not a valid channel ARN.`);
  return value;
}

function objectField(input: Input, field: string): Input {
  const value = input[field];
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new KvsError(400, 'InvalidArgumentException', `${field} must be an object.`);
  }
  return value as Input;
}

function numberField(input: Input, field: string): number | undefined {
  const value = input[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number')
    throw new KvsError(400, 'InvalidArgumentException', `${field} must be a number.`);
  return value;
}

function optionalString(input: Input, field: string): string | undefined {
  const value = input[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new KvsError(400, 'InvalidArgumentException', `${field} must be a string.`);
  return value;
}

/** Tags arrive as a list of {Key, Value} and are kept (and listed) as a map. */
function tagList(value: unknown): Record<string, string> {
  if (!Array.isArray(value) || value.length > MAX_TAGS) {
    throw new KvsError(400, 'InvalidArgumentException', 'Tags must be a list of at most 50 tags.');
  }
  const tags: Record<string, string> = {};
  for (const tag of value as { Key?: unknown; Value?: unknown }[]) {
    const key = tag?.Key;
    const val = tag?.Value ?? '';
    if (
      typeof key !== 'string' ||
      key.length < 1 ||
      key.length > 128 ||
      !/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(key)
    ) {
      throw new KvsError(400, 'InvalidArgumentException', 'Invalid tag key.');
    }
    if (typeof val !== 'string' || val.length > 256)
      throw new KvsError(400, 'InvalidArgumentException', 'Invalid tag value.');
    tags[key] = val;
  }
  return tags;
}
