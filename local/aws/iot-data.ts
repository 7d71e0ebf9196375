import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../constants';
import { readBody, send, signedPrincipal } from './http';
import type { IdentityStore } from './identity';

/**
 * The AWS IoT data plane's classic Device Shadow operations over HTTPS (rest-json, SigV4 service
 * `iotdata`): `GET /things/<thing>/shadow` (GetThingShadow) and `POST /things/<thing>/shadow`
 * (UpdateThingShadow). They are served by the same shadow service as the MQTT broker's
 * `$aws/things/<thing>/shadow/{get,update}`, so an update made here reaches the device's
 * `update/delta` and `update/documents` subscriptions just as an MQTT update does. Every call is
 * verified and then authorised as `iot:<Action>` on the thing, before the shadow is looked at.
 */

/** What a shadow request published: the `accepted` or `rejected` answer and what else went out. */
export interface ShadowAnswer {
  topic: string;
  payload: Record<string, unknown>;
}

/** The shadow service as the broker runs it: handles a request and publishes its messages. */
export interface ShadowBackend {
  handle(thingName: string, op: 'get' | 'update', payload: Buffer): ShadowAnswer[];
}

/** AWS IoT thing names: 1-128 of these characters. */
const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
const SHADOW_PATH = /^\/things\/([^/]+)\/shadow$/;
/** Larger than any shadow document (8 KB); the shadow service answers 413 for those it refuses. */
const MAX_REQUEST_BYTES = 128 * 1024;

/** The error types the data plane answers with, by the shadow service's status codes. */
const ERROR_TYPES: Record<number, string> = {
  400: 'InvalidRequestException',
  401: 'UnauthorizedException',
  403: 'ForbiddenException',
  404: 'ResourceNotFoundException',
  405: 'MethodNotAllowedException',
  409: 'ConflictException',
  413: 'RequestEntityTooLargeException',
  415: 'UnsupportedDocumentEncodingException',
  429: 'ThrottlingException',
  503: 'ServiceUnavailableException',
};

class IotDataError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export interface IotDataOptions {
  identities: IdentityStore;
  now: () => number;
  /** The shadow service; undefined until AWS IoT has started (answered 503 meanwhile). */
  shadows: () => ShadowBackend | undefined;
}

export function createIotData(options: IotDataOptions) {
  const { identities, now } = options;

  /** Serves a request; `path` is what follows the mount point, with its query. */
  return async function handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const requestId = randomUUID();
    try {
      const url = new URL(path, 'https://localhost');
      const match = SHADOW_PATH.exec(url.pathname);
      if (!match) throw new IotDataError(404, 'ResourceNotFoundException', 'Not Found');
      const op = req.method === 'GET' ? 'get' : req.method === 'POST' ? 'update' : undefined;
      if (!op) throw new IotDataError(405, 'MethodNotAllowedException', 'Method Not Allowed');
      const body = await readBody(req, MAX_REQUEST_BYTES);
      if (body === 'too-large') {
        throw new IotDataError(
          413,
          'RequestEntityTooLargeException',
          'The payload exceeds the maximum size allowed',
        );
      }
      const principal = signedPrincipal(
        req,
        body,
        identities,
        'iotdata',
        now(),
        (status, type, message) => new IotDataError(status, type, message),
      );
      let thingName: string;
      try {
        thingName = decodeURIComponent(match[1]!);
      } catch {
        throw new IotDataError(400, 'InvalidRequestException', 'Invalid thing name');
      }
      if (!THING_NAME.test(thingName))
        throw new IotDataError(400, 'InvalidRequestException', 'Invalid thing name');
      const action = op === 'get' ? 'iot:GetThingShadow' : 'iot:UpdateThingShadow';
      const decision = identities.authorize(
        principal,
        action,
        `arn:aws:iot:${LOCAL_REGION}:${LOCAL_ACCOUNT}:thing/${thingName}`,
      );
      if (!decision.allowed) throw new IotDataError(403, 'ForbiddenException', decision.message);
      // Named shadows are not used by the platform; refusing them beats serving the classic one.
      if (url.searchParams.has('name')) {
        throw new IotDataError(400, 'InvalidRequestException', 'Named shadows are not emulated');
      }
      const shadows = options.shadows();
      if (!shadows) throw new IotDataError(503, 'ServiceUnavailableException', 'Service Unavailable');

      const prefix = `$aws/things/${thingName}/shadow/${op}`;
      const answers = shadows.handle(thingName, op, op === 'get' ? Buffer.alloc(0) : body);
      const accepted = answers.find((a) => a.topic === `${prefix}/accepted`);
      if (accepted) {
        send(res, 200, 'application/json', JSON.stringify(accepted.payload), {
          'x-amzn-RequestId': requestId,
        });
        return;
      }
      const rejected = answers.find((a) => a.topic === `${prefix}/rejected`)?.payload;
      const code = typeof rejected?.code === 'number' ? rejected.code : 500;
      const message = typeof rejected?.message === 'string' ? rejected.message : 'Internal Failure';
      throw new IotDataError(code, ERROR_TYPES[code] ?? 'InternalFailureException', message);
    } catch (err) {
      if (!(err instanceof IotDataError)) throw err;
      send(res, err.status, 'application/json', JSON.stringify({ message: err.message }), {
        'x-amzn-RequestId': requestId,
        'x-amzn-ErrorType': err.type,
      });
    }
  };
}
