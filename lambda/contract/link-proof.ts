/**
 * Link binding proof (docs/design.md §4): the first browser that opens an invite link binds it to a
 * key of its own, and proves possession of that key on every caller request, so a forwarded link
 * does not let a second phone take over.
 *
 * The caller's browser makes a non-extractable ECDSA P-256 key pair with WebCrypto and keeps it
 * in IndexedDB. Each caller request body carries `proof: { publicKey, signature, signedAt }`:
 * the public key as a JWK (kty, crv, x, y only), and an ECDSA SHA-256 signature, in WebCrypto's
 * raw r||s form and base64url, over the canonical message below. The API binds the invite to the
 * key's RFC 7638 thumbprint on the first valid proof (one conditional write) and refuses any other
 * key with `LINK_IN_USE`.
 *
 * Only WebCrypto (`globalThis.crypto.subtle`), `TextEncoder`, `btoa` and `atob` are used, so the
 * same module runs in the browser and in Node 20+ (and Lambda's Node 22).
 */

/** The public half of the caller's key, exactly these four members. */
export interface LinkPublicKey {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
}

export interface LinkProof {
  publicKey: LinkPublicKey;
  /** base64url of the 64-byte r||s ECDSA P-256 SHA-256 signature. */
  signature: string;
  /** ISO 8601 time of signing; the API accepts it within the freshness window. */
  signedAt: string;
}

/** A proof older than this is refused (replays of an old request stop working quickly). */
export const LINK_PROOF_MAX_AGE_SECONDS = 300;
/** A proof dated this far ahead of the API's clock is still accepted (phone clocks drift). */
export const LINK_PROOF_MAX_SKEW_SECONDS = 60;

/** A version prefix, so a signature over this message can never be mistaken for another kind. */
export const LINK_PROOF_CONTEXT = 'sightline-link-proof-v1';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;

function subtle(): SubtleCrypto {
  const c = globalThis.crypto;
  if (!c?.subtle) throw new Error('WebCrypto is not available (a secure context is required)');
  return c.subtle;
}

/**
 * JSON with object keys sorted at every level and no whitespace. Numbers and strings use
 * JSON.stringify, which every JavaScript engine renders identically, so browser and API agree.
 * `undefined` members are left out, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const out = JSON.stringify(value);
    if (out === undefined) throw new Error('Value cannot be represented in JSON');
    return out;
  }
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * The exact bytes that are signed: the context, the method, the path and the signing time, then
 * the request body without its `proof` member (the body holds the token, so the token is covered).
 */
export function linkProofMessage(input: {
  method: string;
  path: string;
  signedAt: string;
  body: Record<string, unknown>;
}): Uint8Array {
  const { proof: _ignored, ...rest } = input.body;
  void _ignored;
  const text = [
    LINK_PROOF_CONTEXT,
    input.method.toUpperCase(),
    input.path,
    input.signedAt,
    canonicalJson(rest),
  ].join('\n');
  return new TextEncoder().encode(text);
}

export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function base64UrlDecode(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('Not base64url');
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
  const binary = atob(padded);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url): the stable identity of a caller's key. */
export async function linkKeyThumbprint(key: LinkPublicKey): Promise<string> {
  const json = `{"crv":${JSON.stringify(key.crv)},"kty":${JSON.stringify(key.kty)},"x":${JSON.stringify(key.x)},"y":${JSON.stringify(key.y)}}`;
  const digest = await subtle().digest('SHA-256', new TextEncoder().encode(json));
  return base64UrlEncode(new Uint8Array(digest));
}

/** A fresh key pair for a browser: the private key cannot be exported, only used to sign. */
export async function generateLinkKey(): Promise<CryptoKeyPair> {
  return subtle().generateKey(ALGORITHM, false, ['sign', 'verify']);
}

/** The public key as the proof carries it (WebCrypto's export adds members the schema refuses). */
export async function exportLinkPublicKey(publicKey: CryptoKey): Promise<LinkPublicKey> {
  const jwk = await subtle().exportKey('jwk', publicKey);
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y) throw new Error('Not a P-256 public key');
  return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
}

/**
 * Signs a caller request. Returns the body with its `proof` member added, ready to send.
 * `path` is the route's path as in the route table (e.g. `/citizen/sessions`), without the API's
 * base path or stage.
 */
export async function signLinkRequest<B extends Record<string, unknown>>(
  keys: CryptoKeyPair,
  request: { method: string; path: string; body: B },
  now: Date = new Date(),
): Promise<B & { proof: LinkProof }> {
  const signedAt = now.toISOString();
  const message = linkProofMessage({
    method: request.method,
    path: request.path,
    signedAt,
    body: request.body,
  });
  const signature = await subtle().sign(SIGN_ALGORITHM, keys.privateKey, message as BufferSource);
  const publicKey = await exportLinkPublicKey(keys.publicKey);
  return {
    ...request.body,
    proof: { publicKey, signature: base64UrlEncode(new Uint8Array(signature)), signedAt },
  };
}

export type LinkProofResult =
  { ok: true; thumbprint: string } | { ok: false; reason: 'MALFORMED' | 'STALE' | 'BAD_SIGNATURE' };

/**
 * Verifies a caller request's proof against its method, path and body. On success, returns the
 * key's thumbprint, which the API compares with (or binds to) the invite's key.
 */
export async function verifyLinkRequest(
  request: { method: string; path: string; body: Record<string, unknown> },
  now: Date = new Date(),
): Promise<LinkProofResult> {
  const proof = request.body.proof as Partial<LinkProof> | undefined;
  const key = proof?.publicKey;
  if (
    !proof ||
    !key ||
    key.kty !== 'EC' ||
    key.crv !== 'P-256' ||
    typeof key.x !== 'string' ||
    typeof key.y !== 'string' ||
    typeof proof.signature !== 'string' ||
    typeof proof.signedAt !== 'string'
  ) {
    return { ok: false, reason: 'MALFORMED' };
  }
  const signedAtMs = Date.parse(proof.signedAt);
  if (!Number.isFinite(signedAtMs)) return { ok: false, reason: 'MALFORMED' };
  const ageSeconds = (now.getTime() - signedAtMs) / 1000;
  if (ageSeconds > LINK_PROOF_MAX_AGE_SECONDS || ageSeconds < -LINK_PROOF_MAX_SKEW_SECONDS) {
    return { ok: false, reason: 'STALE' };
  }
  let publicKey: CryptoKey;
  let signature: Uint8Array;
  try {
    const jwk = { kty: 'EC', crv: 'P-256', x: key.x, y: key.y, ext: true };
    publicKey = await subtle().importKey('jwk', jwk, ALGORITHM, false, ['verify']);
    signature = base64UrlDecode(proof.signature);
  } catch {
    return { ok: false, reason: 'MALFORMED' };
  }
  if (signature.length !== 64) return { ok: false, reason: 'MALFORMED' };
  const message = linkProofMessage({
    method: request.method,
    path: request.path,
    signedAt: proof.signedAt,
    body: request.body,
  });
  const valid = await subtle().verify(
    SIGN_ALGORITHM,
    publicKey,
    signature as BufferSource,
    message as BufferSource,
  );
  if (!valid) return { ok: false, reason: 'BAD_SIGNATURE' };
  return { ok: true, thumbprint: await linkKeyThumbprint({ kty: 'EC', crv: 'P-256', x: key.x, y: key.y }) };
}
