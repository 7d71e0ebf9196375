import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Binding secrets: printed on the device label, typed by its owner, stored only as a slow hash.
 *
 * A secret is 100 random bits in Crockford base32 (20 characters, shown in groups of five), so
 * it survives being read aloud or typed on a phone: case, dashes, spaces and the look-alikes
 * I/L→1 and O→0 are forgiven.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const SECRET_CHARS = 20;

/** scrypt cost: N=2^15, r=8 (32 MiB, ~60-100 ms). The secret's entropy is the real defence. */
const PARAMS = { N: 1 << 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const MAX_MEM = 64 * 1024 * 1024;
/** What an unknown serial is checked against, so its answer costs the same as a wrong secret. */
const DUMMY_HASH = `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${randomBytes(16).toString('base64')}$${randomBytes(KEY_BYTES).toString('base64')}`;

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export function generateSecret(): string {
  // 5 bits a character from 13 random bytes (104 bits), of which the first 100 are used.
  const bytes = randomBytes(13);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < SECRET_CHARS; i++) out += ALPHABET[Number((bits >> BigInt(4 + 5 * i)) & 31n)];
  return out;
}

/** The form people see on labels: XXXXX-XXXXX-XXXXX-XXXXX. */
export function formatSecret(secret: string): string {
  return normalizeSecret(secret).replace(/(.{5})(?=.)/g, '$1-');
}

export function normalizeSecret(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(normalizeSecret(secret), salt, KEY_BYTES, { ...PARAMS, maxmem: MAX_MEM });
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/**
 * Compares in constant time. With no stored hash (an unknown serial) it still runs scrypt at
 * the same cost against a throwaway hash, so the answer and its timing are the same.
 */
export async function verifySecret(secret: string, stored: string | undefined): Promise<boolean> {
  const [scheme, n, r, p, saltB64, keyB64] = (stored ?? DUMMY_HASH).split('$');
  if (scheme !== 'scrypt' || !saltB64 || !keyB64) return false;
  const expected = Buffer.from(keyB64, 'base64');
  const actual = await scrypt(normalizeSecret(secret), Buffer.from(saltB64, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: MAX_MEM,
  });
  const same = actual.length === expected.length && timingSafeEqual(actual, expected);
  return same && stored !== undefined;
}
