import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IdentityStore, StoredCredential } from './identity';

/**
 * AWS Signature Version 4 verification, in both forms the local cloud receives: the
 * Authorization header (AWS SDK v3 clients) and the presigned query string (the KVS signaling
 * WebSocket URL, signed by the KVS WebRTC SDK's SigV4RequestSigner).
 */

export type SigV4FailureKind =
  | 'missing' // no signature at all
  | 'incomplete' // a signature that cannot be parsed
  | 'unknown-key' // access key id or session token not issued here
  | 'expired-token' // temporary credentials past their expiration
  | 'scope' // signed for another service or region
  | 'expired' // request date outside the allowed window, or presigned URL past X-Amz-Expires
  | 'signature'; // the signature does not match

export type SigV4Result =
  { ok: true; credential: StoredCredential } | { ok: false; kind: SigV4FailureKind; message: string };

export interface SigV4Request {
  method: string;
  /** The raw request target: path and query exactly as received. */
  url: string;
  /** Node's rawHeaders: name, value, name, value... */
  rawHeaders: string[];
}

export interface SigV4Options {
  service: string;
  region: string;
  now: number;
  /**
   * The payload hash a presigned URL is signed with: the empty body's hash by default, and the
   * literal `UNSIGNED-PAYLOAD` for S3's presigned URLs.
   */
  presignedPayloadHash?: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** AWS accepts a request date this far from its own clock, either way. */
const MAX_SKEW_MS = 15 * 60_000;
/** The longest X-Amz-Expires SigV4 allows (7 days). */
const MAX_PRESIGN_EXPIRES_S = 604_800;
const EMPTY_HASH = sha256Hex('');

export const SIGNATURE_MISMATCH_MESSAGE =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** Verifies an `Authorization: AWS4-HMAC-SHA256 ...` request over its body. */
export function verifyHeaderSignature(
  req: SigV4Request,
  body: Buffer,
  store: IdentityStore,
  options: SigV4Options,
): SigV4Result {
  const headers = headerMap(req.rawHeaders);
  const authorization = headers.get('authorization');
  if (!authorization) return fail('missing', 'Missing Authentication Token');
  if (!authorization.startsWith(`${ALGORITHM} `)) {
    return fail(
      'incomplete',
      `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.`,
    );
  }
  const fields = new Map<string, string>();
  for (const part of authorization.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  for (const name of ['Credential', 'SignedHeaders', 'Signature']) {
    if (!fields.get(name)) return fail('incomplete', `Authorization header requires '${name}' parameter.`);
  }
  const amzDate = headers.get('x-amz-date');
  if (!amzDate) {
    return fail(
      'incomplete',
      `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.`,
    );
  }
  const signedHeaders = fields.get('SignedHeaders')!.split(';');
  if (!signedHeaders.includes('host')) {
    return fail('signature', `'Host' must be a 'SignedHeader' in the AWS Authorization.`);
  }
  const token = headers.get('x-amz-security-token');
  const checked = checkCredential(fields.get('Credential')!, amzDate, token, store, options);
  if (!checked.ok) return checked;
  const fresh = checkHeaderDate(amzDate, options.now);
  if (!fresh.ok) return fresh;

  const [path, query = ''] = splitTarget(req.url);
  // The body actually received, whatever x-amz-content-sha256 claims: a changed body never verifies.
  const canonicalRequest = canonical(
    req.method,
    path,
    canonicalQuery(query, undefined),
    headers,
    signedHeaders,
    sha256Hex(body),
  );
  return checkSignature(
    canonicalRequest,
    amzDate,
    checked.scope,
    checked.credential,
    fields.get('Signature')!,
  );
}

/** Verifies a presigned URL (query-string SigV4) on a GET with no body, such as a WebSocket upgrade. */
export function verifyPresignedUrl(
  req: SigV4Request,
  store: IdentityStore,
  options: SigV4Options,
): SigV4Result {
  const [path, query = ''] = splitTarget(req.url);
  const params = new Map<string, string>();
  for (const [key, value] of queryPairs(query)) params.set(key, value);
  if (!params.has('X-Amz-Algorithm') && !params.has('X-Amz-Signature')) {
    return fail('missing', 'Missing Authentication Token');
  }
  for (const name of [
    'X-Amz-Algorithm',
    'X-Amz-Credential',
    'X-Amz-Date',
    'X-Amz-SignedHeaders',
    'X-Amz-Signature',
  ]) {
    if (!params.get(name)) return fail('incomplete', `AWS query-string parameters must include '${name}'.`);
  }
  if (params.get('X-Amz-Algorithm') !== ALGORITHM) {
    return fail('incomplete', `X-Amz-Algorithm only supports "${ALGORITHM}"`);
  }
  const amzDate = params.get('X-Amz-Date')!;
  const checked = checkCredential(
    params.get('X-Amz-Credential')!,
    amzDate,
    params.get('X-Amz-Security-Token'),
    store,
    options,
  );
  if (!checked.ok) return checked;

  const signedAt = parseAmzDate(amzDate);
  const expires = Number(params.get('X-Amz-Expires') ?? NaN);
  if (signedAt === undefined) return fail('incomplete', `X-Amz-Date must be in the ISO8601 Long Format`);
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_PRESIGN_EXPIRES_S) {
    return fail('incomplete', `X-Amz-Expires must be an integer between 1 and ${MAX_PRESIGN_EXPIRES_S}`);
  }
  // The KVS C SDK looks for these exact phrases on a 403 to correct its clock.
  if (options.now > signedAt + expires * 1000) {
    return fail('expired', `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(options.now)}`);
  }
  if (signedAt - options.now > MAX_SKEW_MS) {
    return fail(
      'expired',
      `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(options.now)}`,
    );
  }

  const signedHeaders = params.get('X-Amz-SignedHeaders')!.split(';');
  if (!signedHeaders.includes('host')) return fail('signature', `'host' must be a signed header.`);
  const headers = headerMap(req.rawHeaders);
  const canonicalRequest = canonical(
    req.method,
    path,
    canonicalQuery(query, 'X-Amz-Signature'),
    headers,
    signedHeaders,
    options.presignedPayloadHash ?? EMPTY_HASH,
  );
  return checkSignature(
    canonicalRequest,
    amzDate,
    checked.scope,
    checked.credential,
    params.get('X-Amz-Signature')!,
  );
}

type CredentialCheck =
  | { ok: true; credential: StoredCredential; scope: string }
  | { ok: false; kind: SigV4FailureKind; message: string };

function checkCredential(
  credentialField: string,
  amzDate: string,
  token: string | undefined,
  store: IdentityStore,
  options: SigV4Options,
): CredentialCheck {
  const parts = credentialField.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request') {
    return fail('incomplete', `Credential should be scoped to a valid region.`);
  }
  const [accessKeyId, day, region, service] = parts as [string, string, string, string];
  if (day !== amzDate.slice(0, 8)) {
    return fail('signature', `Credential should be scoped to a valid date: ${amzDate.slice(0, 8)}.`);
  }
  if (service !== options.service) {
    return fail('scope', `Credential should be scoped to correct service: '${options.service}'.`);
  }
  if (region !== options.region) return fail('scope', `Credential should be scoped to a valid region.`);

  const credential = store.credential(accessKeyId);
  // An unknown key and a token that does not belong to it get AWS's one answer for both.
  if (!credential || (credential.sessionToken ?? undefined) !== (token || undefined)) {
    return fail('unknown-key', 'The security token included in the request is invalid.');
  }
  if (credential.expiresAt !== undefined && options.now >= credential.expiresAt) {
    return fail('expired-token', 'The security token included in the request is expired');
  }
  return { ok: true, credential, scope: parts.slice(1).join('/') };
}

function checkHeaderDate(
  amzDate: string,
  now: number,
): { ok: true } | { ok: false; kind: 'expired' | 'incomplete'; message: string } {
  const at = parseAmzDate(amzDate);
  if (at === undefined)
    return fail('incomplete', `Date must be in ISO-8601 'basic format'. Got '${amzDate}'.`);
  if (now - at > MAX_SKEW_MS) {
    return fail(
      'expired',
      `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(now - MAX_SKEW_MS)} (${formatAmzDate(now)} - 15 min.)`,
    );
  }
  if (at - now > MAX_SKEW_MS) {
    return fail(
      'expired',
      `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(now + MAX_SKEW_MS)} (${formatAmzDate(now)} + 15 min.)`,
    );
  }
  return { ok: true };
}

function checkSignature(
  canonicalRequest: string,
  amzDate: string,
  scope: string,
  credential: StoredCredential,
  given: string,
): SigV4Result {
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const [day, region, service] = scope.split('/') as [string, string, string];
  let key: Buffer = hmac(`AWS4${credential.secretAccessKey}`, day);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  const expected = Buffer.from(hmac(key, stringToSign).toString('hex'));
  const actual = Buffer.from(given.toLowerCase());
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    return fail('signature', SIGNATURE_MISMATCH_MESSAGE);
  }
  return { ok: true, credential };
}

/** RFC 3986 encoding, as SigV4 canonical requests use it. */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function canonicalPath(path: string): string {
  const normalised = path
    .split('/')
    .map((segment) => encodeRfc3986(safeDecode(segment)))
    .join('/');
  return normalised || '/';
}

function canonicalQuery(query: string, exclude: string | undefined): string {
  return queryPairs(query)
    .filter(([key]) => key !== exclude)
    .map(([key, value]) => [encodeRfc3986(key), encodeRfc3986(value)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

function queryPairs(query: string): [string, string][] {
  if (!query) return [];
  return query
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq < 0
        ? [safeDecode(pair), '']
        : [safeDecode(pair.slice(0, eq)), safeDecode(pair.slice(eq + 1))];
    });
}

function splitTarget(url: string): [string, string?] {
  const q = url.indexOf('?');
  return q < 0 ? [url] : [url.slice(0, q), url.slice(q + 1)];
}

/** Header values by lower-case name; repeats joined by commas, whitespace trimmed and collapsed. */
function headerMap(rawHeaders: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = rawHeaders[i + 1]!.trim().replace(/\s+/g, ' ');
    map.set(name, map.has(name) ? `${map.get(name)},${value}` : value);
  }
  return map;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function parseAmzDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

export function formatAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function fail<K extends SigV4FailureKind>(kind: K, message: string): { ok: false; kind: K; message: string } {
  return { ok: false, kind, message };
}

/** SigV4's canonical request: the same shape for the header and the presigned-URL forms. */
function canonical(
  method: string | undefined,
  path: string,
  query: string,
  headers: Map<string, string>,
  signedHeaders: string[],
  payloadHash: string,
): string {
  return [
    method,
    canonicalPath(path),
    query,
    signedHeaders.map((name) => `${name}:${headers.get(name) ?? ''}\n`).join(''),
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}
