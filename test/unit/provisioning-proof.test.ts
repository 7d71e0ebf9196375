import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  newManufactureKey,
  provisioningProofMessage,
  registryFormOf,
  signProvisioningProof,
  verifyProvisioningProof,
} from '../../lambda/contract/provisioning-proof';

const certificateId = () => randomBytes(32).toString('hex');

describe('provisioning proof', () => {
  test('a proof verifies for its serial and certificate only', () => {
    const key = newManufactureKey();
    const cert = certificateId();
    const proof = signProvisioningProof(key.privateKeyPem, 'SL-0001', cert);
    expect(verifyProvisioningProof(key.publicKey, 'SL-0001', cert, proof)).toBe(true);
    // Serials are case-insensitive on the label.
    expect(verifyProvisioningProof(key.publicKey, 'sl-0001', cert, proof)).toBe(true);
    expect(verifyProvisioningProof(key.publicKey, 'SL-0002', cert, proof)).toBe(false);
    expect(verifyProvisioningProof(key.publicKey, 'SL-0001', certificateId(), proof)).toBe(false);
    expect(verifyProvisioningProof(newManufactureKey().publicKey, 'SL-0001', cert, proof)).toBe(false);
  });

  test('an EC P-256 key (a secure element) works; other key types are refused', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const stored = registryFormOf(publicKey.export({ format: 'pem', type: 'spki' }) as string);
    const cert = certificateId();
    expect(
      verifyProvisioningProof(stored, 'SL-0001', cert, signProvisioningProof(pem, 'SL-0001', cert)),
    ).toBe(true);

    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(() => registryFormOf(rsa.publicKey.export({ format: 'pem', type: 'spki' }) as string)).toThrow(
      /Ed25519 or EC P-256/,
    );
    const secp384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const storedRsa = rsa.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    expect(verifyProvisioningProof(storedRsa, 'SL-0001', cert, 'A'.repeat(88))).toBe(false);
    expect(() =>
      signProvisioningProof(
        secp384.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
        'SL-1',
        cert,
      ),
    ).toThrow();
  });

  test('anything malformed is not a proof, and nothing throws', () => {
    const key = newManufactureKey();
    const cert = certificateId();
    const proof = signProvisioningProof(key.privateKeyPem, 'SL-0001', cert);
    for (const bad of [undefined, null, 42, '', 'x', '!'.repeat(88), `${proof}A`, proof.slice(4)]) {
      expect(verifyProvisioningProof(key.publicKey, 'SL-0001', cert, bad)).toBe(false);
    }
    expect(verifyProvisioningProof(key.publicKey, 'SL-0001', cert.toUpperCase(), proof)).toBe(false);
    expect(verifyProvisioningProof(key.publicKey, 'SL-0001', 'not-an-id', proof)).toBe(false);
    expect(verifyProvisioningProof('', 'SL-0001', cert, proof)).toBe(false);
    expect(verifyProvisioningProof('bm90IGEga2V5', 'SL-0001', cert, proof)).toBe(false);
  });

  test('the signed message names the scheme, so no other signature of the key is a proof', () => {
    const message = provisioningProofMessage(' sl-0001 ', 'ab'.repeat(32)).toString('utf8');
    expect(message).toBe(`sightline-provisioning-proof/1\nSL-0001\n${'ab'.repeat(32)}`);
    // The registry's form round-trips to the same key.
    const key = newManufactureKey();
    const pem = createPublicKey({
      key: Buffer.from(key.publicKey, 'base64'),
      format: 'der',
      type: 'spki',
    }).export({
      format: 'pem',
      type: 'spki',
    }) as string;
    expect(registryFormOf(pem)).toBe(key.publicKey);
  });
});
