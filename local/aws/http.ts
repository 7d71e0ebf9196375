import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LOCAL_REGION } from '../constants';
import type { IdentityStore } from './identity';
import { verifyHeaderSignature, type SigV4FailureKind } from './sigv4';

/** Response plumbing every emulated AWS endpoint shares. */

/** Larger than any request these services accept; a bigger body is refused before it is buffered. */
export const MAX_BODY_BYTES = 1024 * 1024;

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Writes a response with the headers AWS always sends. `Date` matters: the AWS SDK v3 learns its
 * clock skew from it on every response, and the KVS SDK signs WebSocket URLs with that skew.
 */
export function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': String(Buffer.byteLength(body)),
    Date: new Date().toUTCString(),
    'x-amzn-RequestId': headers['x-amzn-RequestId'] ?? randomUUID(),
    ...headers,
  });
  res.end(body);
}

/** A request as the signature verifiers see it: the full target, not the part after a mount prefix. */
export function sigv4Request(req: IncomingMessage): { method: string; url: string; rawHeaders: string[] } {
  return { method: req.method ?? 'GET', url: req.url ?? '/', rawHeaders: req.rawHeaders };
}

/**
 * The status and error type the AWS JSON-protocol services (SMS, the KVS control plane) answer a
 * failed signature check with.
 */
export const JSON_SIGV4_ERRORS: Record<SigV4FailureKind, [number, string]> = {
  missing: [403, 'MissingAuthenticationTokenException'],
  incomplete: [400, 'IncompleteSignatureException'],
  'unknown-key': [403, 'UnrecognizedClientException'],
  'expired-token': [403, 'ExpiredTokenException'],
  scope: [403, 'InvalidSignatureException'],
  expired: [403, 'InvalidSignatureException'],
  signature: [403, 'InvalidSignatureException'],
};

/**
 * Verifies a request's SigV4 header signature for `service` and returns the principal it was
 * signed by; a failure is thrown as the service's own error, with the status and type `errors`
 * gives its kind.
 */
export function signedPrincipal(
  req: IncomingMessage,
  body: Buffer,
  identities: IdentityStore,
  service: string,
  now: number,
  fail: (status: number, type: string, message: string) => Error,
  errors: Record<SigV4FailureKind, [number, string]> = JSON_SIGV4_ERRORS,
) {
  const verified = verifyHeaderSignature(sigv4Request(req), body, identities, {
    service,
    region: LOCAL_REGION,
    now,
  });
  if (!verified.ok) {
    const [status, type] = errors[verified.kind];
    throw fail(status, type, verified.message);
  }
  return verified.credential.principal;
}
