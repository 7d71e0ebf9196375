import { createPrivateKey, generateKeyPairSync, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_STATE_DIR } from '../paths';

/**
 * ID tokens an authorizer must refuse, made from a real one. Re-signing with the local user
 * pool's own key (made per local cloud, kept in its state folder) yields tokens whose signature is
 * genuine but whose claims are wrong (expired, another app client, another issuer), so the test
 * proves the claim checks themselves, not just the signature check.
 */

const localKey: KeyObject = createPrivateKey({
  key: (
    JSON.parse(readFileSync(join(TEST_STATE_DIR, 'cognito', 'signing-key.json'), 'utf8')) as {
      privateJwk: JsonWebKey;
    }
  ).privateJwk,
  format: 'jwk',
});
const strangerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h!, 'base64url').toString('utf8')) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p!, 'base64url').toString('utf8')) as Record<string, unknown>,
  };
}

function encode(header: object, payload: object, key: KeyObject): string {
  const head = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${head}.${sign('sha256', Buffer.from(head), key).toString('base64url')}`;
}

/** The token with some claims changed, signed again by the user pool's own key (or a stranger's). */
export function resign(
  token: string,
  changes: Record<string, unknown>,
  key: 'pool' | 'stranger' = 'pool',
): string {
  const { header, payload } = decode(token);
  return encode(header, { ...payload, ...changes }, key === 'pool' ? localKey : strangerKey);
}

export function claimsOf(token: string): Record<string, unknown> {
  return decode(token).payload;
}

/** One character of the signature changed: the claims are untouched, the signature is not valid. */
export function tamperSignature(token: string): string {
  const [h, p, s] = token.split('.');
  const flipped = s!.startsWith('A') ? `B${s!.slice(1)}` : `A${s!.slice(1)}`;
  return `${h}.${p}.${flipped}`;
}

/** The claims changed (a different sub) but the original signature kept. */
export function tamperClaims(token: string, changes: Record<string, unknown>): string {
  const [, , s] = token.split('.');
  const { header, payload } = decode(token);
  const body = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify({ ...payload, ...changes })).toString('base64url')}`;
  return `${body}.${s}`;
}

/** A token whose header says it is unsigned. */
export function unsigned(token: string): string {
  const { payload } = decode(token);
  return `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;
}
