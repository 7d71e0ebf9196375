import {
  canonicalJson,
  generateLinkKey,
  LINK_PROOF_MAX_AGE_SECONDS,
  linkKeyThumbprint,
  signLinkRequest,
  verifyLinkRequest,
} from '../../lambda/contract/link-proof';
import { schemas } from '../../lambda/contract';
import { explainInvalid } from '../../lambda/core/validation';

const path = '/citizen/photos';
const body = { token: 'A'.repeat(43), contentType: 'image/jpeg', size: 1234, sha256: 'a'.repeat(64) };

describe('link proof', () => {
  it('canonical JSON sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'x', null], c: true }, e: undefined })).toBe(
      '{"a":{"c":true,"d":[1,"x",null]},"b":1}',
    );
  });

  it('a signed request verifies, matches the schema and yields the key thumbprint', async () => {
    const keys = await generateLinkKey();
    const signed = await signLinkRequest(keys, { method: 'POST', path, body });
    expect(explainInvalid(schemas.citizenPhotoRequestSchema, signed)).toBeNull();
    const result = await verifyLinkRequest({ method: 'POST', path, body: signed });
    expect(result).toEqual({ ok: true, thumbprint: await linkKeyThumbprint(signed.proof.publicKey) });
  });

  it('the private key cannot be exported', async () => {
    const keys = await generateLinkKey();
    await expect(globalThis.crypto.subtle.exportKey('jwk', keys.privateKey)).rejects.toThrow();
  });

  it.each([
    ['another path', { path: '/citizen/location' }],
    ['another method', { method: 'PUT' }],
    ['a changed body', { body: { size: 1235 } }],
    ['another token', { body: { token: 'B'.repeat(43) } }],
  ])(
    'refuses a proof replayed on %s',
    async (_name, change: { path?: string; method?: string; body?: object }) => {
      const keys = await generateLinkKey();
      const signed = await signLinkRequest(keys, { method: 'POST', path, body });
      const result = await verifyLinkRequest({
        method: change.method ?? 'POST',
        path: change.path ?? path,
        body: { ...signed, ...change.body },
      });
      expect(result).toEqual({ ok: false, reason: 'BAD_SIGNATURE' });
    },
  );

  it('refuses a stale proof and one from the future', async () => {
    const keys = await generateLinkKey();
    const now = new Date();
    const old = await signLinkRequest(
      keys,
      { method: 'POST', path, body },
      new Date(now.getTime() - (LINK_PROOF_MAX_AGE_SECONDS + 1) * 1000),
    );
    expect(await verifyLinkRequest({ method: 'POST', path, body: old }, now)).toEqual({
      ok: false,
      reason: 'STALE',
    });
    const future = await signLinkRequest(
      keys,
      { method: 'POST', path, body },
      new Date(now.getTime() + 10 * 60_000),
    );
    expect(await verifyLinkRequest({ method: 'POST', path, body: future }, now)).toEqual({
      ok: false,
      reason: 'STALE',
    });
  });

  it('refuses a signature made by another key', async () => {
    const keys = await generateLinkKey();
    const other = await generateLinkKey();
    const signed = await signLinkRequest(keys, { method: 'POST', path, body });
    const forged = await signLinkRequest(other, { method: 'POST', path, body });
    const mixed = { ...signed, proof: { ...signed.proof, signature: forged.proof.signature } };
    expect(await verifyLinkRequest({ method: 'POST', path, body: mixed })).toEqual({
      ok: false,
      reason: 'BAD_SIGNATURE',
    });
  });

  it('refuses a key that is not on the curve', async () => {
    const keys = await generateLinkKey();
    const signed = await signLinkRequest(keys, { method: 'POST', path, body });
    const bad = {
      ...signed,
      proof: { ...signed.proof, publicKey: { ...signed.proof.publicKey, x: 'A'.repeat(43) } },
    };
    expect(await verifyLinkRequest({ method: 'POST', path, body: bad })).toEqual({
      ok: false,
      reason: 'MALFORMED',
    });
  });
});
