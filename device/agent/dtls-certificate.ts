import { X509Certificate, createHash, generateKeyPairSync, webcrypto } from 'node:crypto';
import { join } from 'node:path';
import { readIfExists, writeFileAtomic } from './store';

/**
 * The camera's long-lived DTLS certificate (for the `kvs-c-sdk` engine): made on the device once,
 * kept like the device key (atomic, 0600, in the state folder) and given to the C SDK for every
 * peer connection, so no certificate is made per viewer (seconds on a small board) and the cloud
 * can vouch for its one fingerprint (`reported.fingerprint`, lambda/contract/fingerprints.ts).
 * It is renewed only when it nears its end, which changes the fingerprint the camera reports.
 */
export interface DtlsCertificate {
  certPath: string;
  keyPath: string;
  /** `sha-256 AB:CD:…`, as the contract carries fingerprints. */
  fingerprint: string;
}

const VALID_DAYS = 365;
const RENEW_BEFORE_DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;

export function fingerprintOfCertificate(pem: string): string {
  const der = new X509Certificate(pem).raw;
  const hex = createHash('sha256').update(der).digest('hex').toUpperCase();
  return `sha-256 ${hex.match(/../g)!.join(':')}`;
}

export async function ensureDtlsCertificate(stateDir: string, now = new Date()): Promise<DtlsCertificate> {
  const certPath = join(stateDir, 'dtls.cert.pem');
  const keyPath = join(stateDir, 'dtls.key.pem');
  const existing = readIfExists(certPath);
  if (existing && readIfExists(keyPath)) {
    const validTo = new Date(new X509Certificate(existing).validTo).getTime();
    if (validTo - now.getTime() > RENEW_BEFORE_DAYS * DAY_MS)
      return { certPath, keyPath, fingerprint: fingerprintOfCertificate(existing) };
  }
  const { keyPem, certPem } = await makeSelfSigned(now);
  // The key first: a certificate on disk always has its key beside it.
  writeFileAtomic(keyPath, keyPem);
  writeFileAtomic(certPath, certPem);
  return { certPath, keyPath, fingerprint: fingerprintOfCertificate(certPem) };
}

async function makeSelfSigned(now: Date): Promise<{ keyPem: string; certPem: string }> {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const signing = await webcrypto.subtle.importKey('pkcs8', der, algorithm, true, ['sign']);
  const publicJwk = { ...privateKey.export({ format: 'jwk' }), d: undefined };
  const verifying = await webcrypto.subtle.importKey('jwk', publicJwk, algorithm, true, ['verify']);
  const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)));
  serial[0] = serial[0]! & 0x7f;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    // WebRTC peers check the fingerprint, not the name; the name only says what made it.
    name: 'CN=sightline-camera',
    notBefore: new Date(now.getTime() - 3600 * 1000),
    notAfter: new Date(now.getTime() + VALID_DAYS * DAY_MS),
    keys: { privateKey: signing, publicKey: verifying } as CryptoKeyPair,
    signingAlgorithm: algorithm,
  });
  return { keyPem, certPem: `${cert.toString('pem')}\n` };
}
