import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../constants';
import { readBody, send, signedPrincipal } from './http';
import type { IdentityStore } from './identity';

/**
 * AWS End User Messaging SMS (`pinpoint-sms-voice-v2`), SendTextMessage only, over its JSON
 * protocol (`X-Amz-Target: PinpointSMSVoiceV2.SendTextMessage`, SigV4 service `sms-voice`).
 * Messages go to the outbox page instead of a phone. The input is checked as the service
 * documents it, so a request that AWS would refuse is refused here too.
 */

const TARGET_PREFIX = 'PinpointSMSVoiceV2.';

export interface SentText {
  messageId: string;
  to: string;
  body: string;
  originationIdentity?: string;
  configurationSetName?: string;
  maxPrice?: string;
  timeToLive?: number;
  messageType?: string;
}

class SmsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export interface SmsOptions {
  identities: IdentityStore;
  now: () => number;
  /** Where a sent text goes (the outbox). */
  deliver: (text: SentText) => void;
}

export function createSms(options: SmsOptions) {
  const { identities, now } = options;

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    try {
      if (req.method !== 'POST') throw new SmsError(404, 'UnknownOperationException', 'Unknown operation');
      const body = await readBody(req);
      if (body === 'too-large') throw new SmsError(413, 'ValidationException', 'Request entity too large');
      const principal = signedPrincipal(
        req,
        body,
        identities,
        'sms-voice',
        now(),
        (status, type, message) => new SmsError(status, type, message),
      );
      const target = String(req.headers['x-amz-target'] ?? '');
      if (target !== `${TARGET_PREFIX}SendTextMessage`) {
        throw new SmsError(400, 'UnknownOperationException', `Operation ${target} is not emulated`);
      }
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        throw new SmsError(400, 'SerializationException', 'The request body is not valid JSON');
      }
      const configurationSet = optional(input, 'ConfigurationSetName');
      const resource = configurationSet
        ? `arn:aws:sms-voice:${LOCAL_REGION}:${LOCAL_ACCOUNT}:configuration-set/${configurationSet}`
        : `arn:aws:sms-voice:${LOCAL_REGION}:${LOCAL_ACCOUNT}:*`;
      const decision = identities.authorize(principal, 'sms-voice:SendTextMessage', resource);
      if (!decision.allowed) throw new SmsError(403, 'AccessDeniedException', decision.message);
      const text = validate(input);
      options.deliver(text);
      send(res, 200, 'application/x-amz-json-1.0', JSON.stringify({ MessageId: text.messageId }), {
        'x-amzn-RequestId': requestId,
      });
    } catch (err) {
      if (!(err instanceof SmsError)) throw err;
      send(
        res,
        err.status,
        'application/x-amz-json-1.0',
        JSON.stringify({ __type: err.type, message: err.message }),
        { 'x-amzn-RequestId': requestId, 'x-amzn-ErrorType': err.type },
      );
    }
  };
}

function optional(input: Record<string, unknown>, field: string): string | undefined {
  const value = input[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new SmsError(400, 'ValidationException', `${field} must be a string`);
  return value;
}

/** The documented constraints of SendTextMessage's fields that the platform uses. */
function validate(input: Record<string, unknown>): SentText {
  const to = optional(input, 'DestinationPhoneNumber');
  if (!to || !/^\+?[1-9][0-9]{1,18}$/.test(to)) {
    throw new SmsError(
      400,
      'ValidationException',
      'DestinationPhoneNumber must be a phone number in E.164 format',
    );
  }
  const body = optional(input, 'MessageBody') ?? '';
  if (body.length < 1 || body.length > 1600) {
    throw new SmsError(400, 'ValidationException', 'MessageBody must be 1 to 1600 characters');
  }
  const messageType = optional(input, 'MessageType');
  if (messageType !== undefined && !['TRANSACTIONAL', 'PROMOTIONAL'].includes(messageType)) {
    throw new SmsError(400, 'ValidationException', 'MessageType must be TRANSACTIONAL or PROMOTIONAL');
  }
  const maxPrice = optional(input, 'MaxPrice');
  if (maxPrice !== undefined && !/^[0-9]{0,2}\.[0-9]{1,5}$/.test(maxPrice)) {
    throw new SmsError(400, 'ValidationException', 'MaxPrice must be a price such as 0.50');
  }
  const ttl = input.TimeToLive;
  if (ttl !== undefined && (!Number.isInteger(ttl) || (ttl as number) < 5 || (ttl as number) > 259200)) {
    throw new SmsError(400, 'ValidationException', 'TimeToLive must be between 5 and 259200 seconds');
  }
  const originationIdentity = optional(input, 'OriginationIdentity');
  if (originationIdentity !== undefined && !/^[A-Za-z0-9_:/+.-]{1,256}$/.test(originationIdentity)) {
    throw new SmsError(400, 'ValidationException', 'OriginationIdentity is not valid');
  }
  const configurationSetName = optional(input, 'ConfigurationSetName');
  optional(input, 'ProtectConfigurationId');
  return {
    messageId: randomUUID(),
    to,
    body,
    ...(originationIdentity ? { originationIdentity } : {}),
    ...(configurationSetName ? { configurationSetName } : {}),
    ...(maxPrice ? { maxPrice } : {}),
    ...(ttl !== undefined ? { timeToLive: ttl as number } : {}),
    ...(messageType ? { messageType } : {}),
  };
}
