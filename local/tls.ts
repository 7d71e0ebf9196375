import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { webcrypto, X509Certificate } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export interface LocalTls {
  caCertPath: string;
  caCertPem: string;
  certPem: string;
  keyPem: string;
  /** The CA's key, so later emulators (IoT) can sign device certificates with it. */
  caKey: CryptoKey;
  caCert: x509.X509Certificate;
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

function fromPem(text: string): ArrayBuffer {
  const der = Buffer.from(text.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength);
}

type TlsPaths = { ca: string; caKey: string; cert: string; key: string };

/**
 * A local certificate authority and a server certificate for localhost and `ipAddresses` (the
 * cameras' endpoints, which are IP literals: the C SDK checks them against the certificate's IP
 * addresses), made on first start and kept under the state folder, so a person accepts (or
 * trusts) one certificate once. A server certificate that lacks one of the addresses is issued
 * again from the same CA, so whoever trusts the CA keeps trusting.
 */
export async function ensureTls(dir: string, ipAddresses: readonly string[] = []): Promise<LocalTls> {
  mkdirSync(dir, { recursive: true });
  const paths: TlsPaths = {
    ca: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca-key.pem'),
    cert: join(dir, 'server.pem'),
    key: join(dir, 'server-key.pem'),
  };
  const newCa = !existsSync(paths.ca) || !existsSync(paths.caKey);
  if (newCa) await createCa(paths);

  const caKeyPem = readFileSync(paths.caKey, 'utf8');
  const caKey = (await webcrypto.subtle.importKey('pkcs8', fromPem(caKeyPem), ALG, true, [
    'sign',
  ])) as CryptoKey;
  const caCertPem = readFileSync(paths.ca, 'utf8');
  const current =
    !newCa && existsSync(paths.cert) && existsSync(paths.key)
      ? new X509Certificate(readFileSync(paths.cert))
      : undefined;
  if (!current || ipAddresses.some((ip) => current.checkIP(ip) === undefined)) {
    await issueServerCertificate(paths, new x509.X509Certificate(caCertPem), caKey, ipAddresses);
  }
  return {
    caCertPath: paths.ca,
    caCertPem,
    certPem: readFileSync(paths.cert, 'utf8'),
    keyPem: readFileSync(paths.key, 'utf8'),
    caKey,
    caCert: new x509.X509Certificate(caCertPem),
  };
}

const VALIDITY_MS = 825 * 24 * 3600 * 1000;

async function createCa(paths: TlsPaths): Promise<void> {
  const now = new Date();
  const notAfter = new Date(now.getTime() + VALIDITY_MS);
  const caKeys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: 'CN=Sightline local cloud CA',
    notBefore: now,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const exportKey = async (key: CryptoKey) =>
    pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', key));
  writeFileSync(paths.caKey, await exportKey(caKeys.privateKey), { mode: 0o600 });
  writeFileSync(paths.ca, ca.toString('pem') + '\n');
}

async function issueServerCertificate(
  paths: TlsPaths,
  ca: x509.X509Certificate,
  caKey: CryptoKey,
  ipAddresses: readonly string[],
): Promise<void> {
  const now = new Date();
  const serverKeys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: 'CN=localhost',
    issuer: ca.subject,
    notBefore: now,
    // Within the CA's own validity, which clients check too.
    notAfter: new Date(Math.min(now.getTime() + VALIDITY_MS, ca.notAfter.getTime())),
    signingKey: caKey,
    publicKey: serverKeys.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
        ...ipAddresses.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca, false),
    ],
  });
  const key = pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', serverKeys.privateKey));
  writeFileSync(paths.key, key, { mode: 0o600 });
  writeFileSync(paths.cert, server.toString('pem') + '\n');
}

function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}
