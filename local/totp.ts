import { createHmac } from 'node:crypto';

/**
 * RFC 6238 TOTP as authenticator apps and Cognito compute it (HMAC-SHA1, 6 digits, 30 s steps),
 * for the local cloud's demo dispatcher and the tests that sign dispatchers in.
 */

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32Decode(secret: string): Buffer {
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of secret.replace(/=+$/, '').toUpperCase()) {
    const index = BASE32.indexOf(char);
    if (index === -1) throw new Error('The TOTP secret is not base32');
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The code for the 30-second step that holds `atMs`. */
export function totpCode(secret: string, atMs = Date.now()): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 30_000)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const number = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(number).padStart(6, '0');
}

/** What an authenticator app scans: `otpauth://totp/Sightline:<account>?secret=...&issuer=Sightline`. */
export function otpauthUri(account: string, secret: string): string {
  const label = encodeURIComponent(`Sightline:${account}`);
  return `otpauth://totp/${label}?secret=${secret}&issuer=Sightline`;
}
