import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';

/**
 * The provisioning proof (docs/design.md §4): what a camera shows, besides the shared claim
 * certificate, before the pre-provisioning hook accepts its serial.
 *
 * Each camera is given a key pair of its own at manufacture (its "manufacture key"); the registry
 * keeps only the public half, recorded when the serial is registered. In RegisterThing the camera
 * sends, as the template parameter `ProvisioningProof`, its signature over the serial and the id
 * of the very certificate being registered, which AWS IoT hands the hook itself. A claim holder
 * without the camera's key cannot make one, and a proof seen once is good for that certificate
 * only: replayed with any other certificate it does not verify.
 *
 * Ed25519 by default; ECDSA P-256 (SHA-256) too, for cameras that keep the key in a secure
 * element that has only that curve.
 */

/** Names the scheme, so a signature made for anything else is never a proof. */
const CONTEXT = 'sightline-provisioning-proof/1';

/** The certificate id AWS IoT gives: SHA-256 of the certificate's DER, 64 lower-case hex. */
const CERTIFICATE_ID = /^[0-9a-f]{64}$/;

/** A proof is base64 of at most a DER ECDSA signature (72 bytes) or an Ed25519 one (64). */
const PROOF = /^[A-Za-z0-9+/]{80,100}={0,2}$/;

/** The bytes a camera signs: the scheme, the serial as the registry stores it, the certificate. */
export function provisioningProofMessage(serial: string, certificateId: string): Buffer {
  // Serials are case-insensitive on the label and stored upper-case (thing-names.ts).
  return Buffer.from(`${CONTEXT}\n${serial.trim().toUpperCase()}\n${certificateId}`, 'utf8');
}

function digestFor(key: KeyObject): 'sha256' | null {
  if (key.asymmetricKeyType === 'ed25519') return null;
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1')
    return 'sha256';
  throw new Error(`a manufacture key must be Ed25519 or EC P-256 (got ${key.asymmetricKeyType})`);
}

/** The camera's proof for the certificate it is registering, from its manufacture key (PEM). */
export function signProvisioningProof(privateKeyPem: string, serial: string, certificateId: string): string {
  const key = createPrivateKey(privateKeyPem);
  return sign(digestFor(key), provisioningProofMessage(serial, certificateId), key).toString('base64');
}

/**
 * Whether `proof` is the registered key's signature over this serial and certificate. Anything
 * malformed (the key, the proof, the certificate id) is simply not a proof.
 */
export function verifyProvisioningProof(
  publicKey: string,
  serial: string,
  certificateId: string,
  proof: unknown,
): boolean {
  if (typeof proof !== 'string' || !PROOF.test(proof) || !CERTIFICATE_ID.test(certificateId)) return false;
  try {
    const key = publicKeyFromRegistry(publicKey);
    return verify(
      digestFor(key),
      provisioningProofMessage(serial, certificateId),
      key,
      Buffer.from(proof, 'base64'),
    );
  } catch {
    return false;
  }
}

/** The registry's form of a public key: base64 of its SubjectPublicKeyInfo (DER). */
export function registryFormOf(publicKeyPem: string): string {
  const key = createPublicKey(publicKeyPem);
  digestFor(key);
  return key.export({ format: 'der', type: 'spki' }).toString('base64');
}

function publicKeyFromRegistry(stored: string): KeyObject {
  return createPublicKey({ key: Buffer.from(stored, 'base64'), format: 'der', type: 'spki' });
}

/** A new manufacture key pair: the private key (PKCS#8 PEM) for the camera, the registry's form. */
export function newManufactureKey(): { privateKeyPem: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  };
}
