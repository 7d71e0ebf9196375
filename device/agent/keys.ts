import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  webcrypto,
  type KeyObject,
} from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

/**
 * The device key is made on the device and never leaves it: only a CSR (its public half, signed
 * by it) goes to AWS IoT. EC P-256 by default (fast to make on a Pi, small certificates); RSA
 * 2048 for fleets whose tooling wants it.
 */
export type KeyAlgorithm = 'ec-p256' | 'rsa-2048';

const ALGORITHMS = {
  'ec-p256': { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' },
  'rsa-2048': { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
} as const;

/** A new private key as PKCS#8 PEM (what the C SDK, OpenSSL and Node all read). */
export function generateDeviceKey(algorithm: KeyAlgorithm): string {
  const { privateKey } =
    algorithm === 'ec-p256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
}

export function keyAlgorithmOf(privateKeyPem: string): KeyAlgorithm {
  const key = createPrivateKey(privateKeyPem);
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1')
    return 'ec-p256';
  if (key.asymmetricKeyType === 'rsa') return 'rsa-2048';
  throw new Error(`unsupported device key type ${key.asymmetricKeyType}`);
}

/** A PKCS#10 CSR in PEM for the stored key, subject CN = the serial (AWS IoT ignores the subject). */
export async function createCsr(privateKeyPem: string, commonName: string): Promise<string> {
  // Loaded only while provisioning: the steady-state agent never needs it.
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const algorithm = ALGORITHMS[keyAlgorithmOf(privateKeyPem)];
  const key: KeyObject = createPrivateKey(privateKeyPem);
  const [privateKey, publicKey] = await Promise.all([
    webcrypto.subtle.importKey('pkcs8', key.export({ format: 'der', type: 'pkcs8' }), algorithm, false, [
      'sign',
    ]),
    webcrypto.subtle.importKey(
      'spki',
      createPublicKey(key).export({ format: 'der', type: 'spki' }),
      algorithm,
      true,
      ['verify'],
    ),
  ]);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [commonName] }],
    keys: { privateKey, publicKey } as CryptoKeyPair,
    signingAlgorithm: algorithm,
  });
  return csr.toString('pem');
}

/**
 * The manufacture key, refused when anyone but its owner may read or change it: the key is what
 * tells this camera from anyone else holding the claim.
 */
export function readManufactureKey(path: string): string {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (err) {
    throw new Error(
      `cannot read the manufacture key ${path} (${(err as NodeJS.ErrnoException).code}); ` +
        'a device that has not provisioned needs the key it was given at manufacture',
      { cause: err },
    );
  }
  if ((mode & 0o077) !== 0) {
    throw new Error(
      `the manufacture key ${path} is open to others (mode ${(mode & 0o777).toString(8)}); make it 0600`,
    );
  }
  return readFileSync(path, 'utf8');
}
