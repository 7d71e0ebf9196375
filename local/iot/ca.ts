import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash, generateKeyPairSync, webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/**
 * The certificate authority of the emulated AWS IoT: it signs device (and claim) certificates, and
 * the broker and the credentials provider accept only client certificates that chain to it. It is
 * apart from the local cloud's web CA, which vouches for the servers, as Amazon's server roots are
 * apart from the CA that signs IoT device certificates.
 */

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
/** AWS IoT's own certificates "expire at midnight UTC on December 31, 2049". */
const NOT_AFTER = new Date('2049-12-31T23:59:59Z');
/** The subject AWS IoT gives the certificates it creates. */
const SUBJECT = 'CN=AWS IoT Certificate';
/** A CSR larger than this is refused before parsing (AWS takes up to 4096 characters). */
const MAX_CSR_CHARS = 4096;

export interface IotCa {
  certPem: string;
  key: CryptoKey;
  cert: x509.X509Certificate;
}

export interface IssuedCertificate {
  certificateId: string;
  certificatePem: string;
}

export class InvalidCsrError extends Error {}

/** The CA, made on first start and kept under `dir` (so device certificates survive a restart). */
export async function ensureIotCa(dir: string): Promise<IotCa> {
  mkdirSync(dir, { recursive: true });
  const certPath = join(dir, 'iot-ca.pem');
  const keyPath = join(dir, 'iot-ca-key.pem');
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      name: 'CN=Sightline local IoT CA',
      notBefore: new Date(),
      notAfter: NOT_AFTER,
      keys,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
    writeFileSync(keyPath, toPem('PRIVATE KEY', pkcs8), { mode: 0o600 });
    writeFileSync(certPath, cert.toString('pem') + '\n');
  }
  const certPem = readFileSync(certPath, 'utf8');
  const keyDer = Buffer.from(
    readFileSync(keyPath, 'utf8')
      .replace(/-----[^-]+-----/g, '')
      .replace(/\s+/g, ''),
    'base64',
  );
  const key = (await webcrypto.subtle.importKey('pkcs8', keyDer, ALG, false, ['sign'])) as CryptoKey;
  return { certPem, key, cert: new x509.X509Certificate(certPem) };
}

/** AWS IoT's certificate ID: the SHA-256 of the certificate's DER, 64 lowercase hex characters. */
export function certificateIdOf(der: ArrayBuffer | Buffer): string {
  return createHash('sha256')
    .update(Buffer.isBuffer(der) ? der : Buffer.from(der))
    .digest('hex');
}

async function issue(ca: IotCa, publicKey: x509.PublicKey): Promise<IssuedCertificate> {
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: SUBJECT,
    issuer: ca.cert.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: NOT_AFTER,
    signingKey: ca.key,
    publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert, false),
    ],
  });
  return { certificateId: certificateIdOf(cert.rawData), certificatePem: cert.toString('pem') + '\n' };
}

/** CreateCertificateFromCsr: signs the CSR's key once its self-signature checks out. */
export async function signCsr(ca: IotCa, csrPem: string): Promise<IssuedCertificate> {
  if (csrPem.length > MAX_CSR_CHARS || !csrPem.includes('-----BEGIN CERTIFICATE REQUEST-----')) {
    throw new InvalidCsrError('Certificate signing request must be a PEM-encoded PKCS#10 request.');
  }
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
    if (!(await csr.verify())) throw new Error('bad signature');
  } catch {
    throw new InvalidCsrError('Certificate signing request is not valid.');
  }
  return issue(ca, csr.publicKey);
}

/** CreateKeysAndCertificate: a 2048-bit RSA key (PKCS#1 PEM, as AWS hands it out) and its certificate. */
export async function createKeysAndCertificate(
  ca: IotCa,
): Promise<IssuedCertificate & { privateKey: string }> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  const issued = await issue(ca, new x509.PublicKey(publicKey));
  return { ...issued, privateKey };
}

/** The claim certificate for the local batch: an EC key made here, as the stack makes one on AWS. */
export async function ensureClaimCertificate(
  ca: IotCa,
  dir: string,
): Promise<IssuedCertificate & { certPath: string; keyPath: string }> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const certPath = join(dir, 'claim.cert.pem');
  const keyPath = join(dir, 'claim.private.key');
  if (
    !existsSync(certPath) ||
    !existsSync(keyPath) ||
    !(await chainsTo(ca, readFileSync(certPath, 'utf8')))
  ) {
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
    const issued = await issue(
      ca,
      new x509.PublicKey(await webcrypto.subtle.exportKey('spki', keys.publicKey)),
    );
    writeFileSync(keyPath, toPem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)), {
      mode: 0o600,
    });
    writeFileSync(certPath, issued.certificatePem);
  }
  const cert = new x509.X509Certificate(readFileSync(certPath, 'utf8'));
  return {
    certificateId: certificateIdOf(cert.rawData),
    certificatePem: cert.toString('pem') + '\n',
    certPath,
    keyPath,
  };
}

/** Whether the CA signed this certificate (a CA made anew invalidates the old claim). */
export async function chainsTo(ca: IotCa, certPem: string): Promise<boolean> {
  try {
    return await new x509.X509Certificate(certPem).verify({
      publicKey: ca.cert.publicKey,
      signatureOnly: true,
    });
  } catch {
    return false;
  }
}

function toPem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

/** The IoT endpoints' server identity, and the CA their clients' certificates must chain to. */
export interface IotTlsFiles {
  certPem: string;
  keyPem: string;
  clientCaPem: string;
}

/** AWS IoT's endpoints authenticate every client by certificate: mutual TLS, TLS 1.2 or later. */
export function mutualTlsOptions(tls: IotTlsFiles) {
  return {
    cert: tls.certPem,
    key: tls.keyPem,
    ca: tls.clientCaPem,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
  } as const;
}
