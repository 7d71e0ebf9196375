import { createHash, randomBytes } from 'node:crypto';

/**
 * Invite link tokens (docs/design.md §3): 256 random bits, base64url, carried in the link's fragment
 * so they never reach a server log. Only their SHA-256 is stored, so a copy of the table cannot
 * open any link.
 */
export function newInviteToken(): { token: string; tokenHash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, tokenHash: hashInviteToken(token) };
}

export function hashInviteToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

/** An id with 128 random bits, in the `[A-Za-z0-9_-]` alphabet of the contract's patterns. */
export function randomIdPart(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}

/** A key for a phone number where the number itself need not be kept (rate windows, locks). */
export function hashPhoneNumber(e164: string): string {
  return createHash('sha256').update(`sightline-phone:${e164}`, 'utf8').digest('base64url');
}
