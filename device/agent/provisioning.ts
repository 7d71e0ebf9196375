import { createPublicKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TEMPLATE_PARAMETERS } from '../../lambda/contract/iot-events';
import { signProvisioningProof } from '../../lambda/contract/provisioning-proof';
import type { MqttClient } from 'mqtt';
import { Backoff, sleep } from './backoff';
import type { AgentConfig } from './config';
import { createCsr, generateDeviceKey, readManufactureKey } from './keys';
import type { Log } from './log';
import { connectOnce, RejectedError, request, subscribeAll } from './mqtt';
import type { DeviceState, PendingCertificate, Thing } from './state';

/**
 * Fleet provisioning by claim (AWS IoT's MQTT API, JSON topics), resumable from any kill:
 *
 * - the key is made and stored before the CSR leaves the device, and reused ever after;
 * - a certificate is stored with its ownership token before RegisterThing is sent;
 * - on restart, a stored certificate whose token is still fresh is registered again (same
 *   certificate, so the same thing); otherwise, or if that is rejected, a new certificate is
 *   requested for the SAME key;
 * - each step has a timeout, and a failed attempt is retried with backoff on a new connection.
 */
export const CREATE_FROM_CSR = '$aws/certificates/create-from-csr/json';
export const provisionTopic = (template: string) => `$aws/provisioning-templates/${template}/provision/json`;

/** Tokens live one hour; leave room for a slow retry rather than present one about to lapse. */
const TOKEN_USABLE_MS = 50 * 60 * 1000;

export interface ProvisionOptions {
  config: AgentConfig;
  state: DeviceState;
  log: Log;
  signal: AbortSignal;
  stepTimeoutMs?: number;
  /** Milestones for benchmarks and tests. */
  onStep?: (step: 'claim-connected' | 'certificate' | 'registered') => void;
}

interface CreateFromCsrAccepted {
  certificateId: string;
  certificatePem: string;
  certificateOwnershipToken: string;
}

interface RegisterThingAccepted {
  thingName: string;
  deviceConfiguration?: Record<string, string>;
}

export async function provision(options: ProvisionOptions): Promise<Thing> {
  const { config, state, log, signal } = options;
  state.setPhase('provisioning');
  let key = state.readKey();
  if (key) {
    log('info', 'reusing the stored device key');
  } else {
    key = generateDeviceKey(config.keyAlgorithm);
    state.saveKey(key);
    log('info', 'made a new device key', { algorithm: config.keyAlgorithm });
  }
  const backoff = new Backoff({ initialMs: 500, maxMs: 60_000 });
  for (;;) {
    try {
      return await attempt(options, key);
    } catch (err) {
      if (signal.aborted) throw new Error('stopped while provisioning', { cause: err });
      const delay = backoff.next();
      log('warn', 'provisioning attempt failed', { error: (err as Error).message, retryInMs: delay });
      await sleep(delay, signal);
      if (signal.aborted) throw new Error('stopped while provisioning', { cause: err });
    }
  }
}

async function attempt(options: ProvisionOptions, key: string): Promise<Thing> {
  const { config, state, log, signal } = options;
  const timeout = options.stepTimeoutMs ?? 15_000;
  // Read first: without it the hook refuses any certificate, so there is no point asking for one.
  const manufactureKey = readManufactureKey(config.iot.manufactureKeyPath);
  const identity = {
    ca: readFileSync(config.iot.caPath, 'utf8'),
    cert: readClaim(config.iot.claimCertPath),
    key: readClaim(config.iot.claimKeyPath),
  };
  // The CSR (and the X.509 library behind it) is made while the TLS connection is set up.
  const csr = createCsr(key, config.serial);
  csr.catch(() => undefined);
  const client = await connectOnce(
    {
      host: config.iot.endpoint,
      port: config.iot.port,
      clientId: `prov-${config.serial}`,
      identity,
      connectTimeoutMs: timeout,
      reconnectPeriodMs: 0,
    },
    signal,
  );
  options.onStep?.('claim-connected');
  try {
    const provisionTo = provisionTopic(config.iot.templateName);
    // Subscribe before publishing: AWS answers only subscriptions that already exist.
    await subscribeAll(client, [
      `${CREATE_FROM_CSR}/accepted`,
      `${CREATE_FROM_CSR}/rejected`,
      `${provisionTo}/accepted`,
      `${provisionTo}/rejected`,
    ]);

    let pending = state.state.pending;
    if (pending && Date.now() - Date.parse(pending.issuedAt) < TOKEN_USABLE_MS) {
      log('info', 'registering the certificate issued before a restart', {
        certificateId: pending.certificateId,
      });
      try {
        return await register(client, options, pending, manufactureKey, timeout);
      } catch (err) {
        if (!(err instanceof RejectedError)) throw err;
        // A refused token (used, expired, unknown) will not get better: ask for a new
        // certificate for the same key.
        log('warn', 'the stored certificate was not accepted; requesting a new one', {
          error: err.message,
        });
      }
    } else if (pending) {
      log('info', 'the stored ownership token has lapsed; requesting a new certificate');
    }

    const issued = await request<CreateFromCsrAccepted>(
      client,
      CREATE_FROM_CSR,
      { certificateSigningRequest: await csr },
      timeout,
      signal,
    );
    checkIssued(issued, key);
    pending = {
      certificateId: issued.certificateId,
      certificatePem: issued.certificatePem,
      ownershipToken: issued.certificateOwnershipToken,
      issuedAt: new Date().toISOString(),
    };
    state.savePending(pending);
    options.onStep?.('certificate');
    log('info', 'certificate issued for the device key', { certificateId: pending.certificateId });
    return await register(client, options, pending, manufactureKey, timeout);
  } finally {
    client.end(true);
  }
}

async function register(
  client: MqttClient,
  options: ProvisionOptions,
  pending: PendingCertificate,
  manufactureKey: string,
  timeout: number,
): Promise<Thing> {
  const { config, state, signal } = options;
  // The claim is every camera's; the proof is this camera's alone, and good for this certificate only.
  const proof = signProvisioningProof(manufactureKey, config.serial, pending.certificateId);
  const answer = await request<RegisterThingAccepted>(
    client,
    provisionTopic(config.iot.templateName),
    {
      certificateOwnershipToken: pending.ownershipToken,
      parameters: { [TEMPLATE_PARAMETERS.serial]: config.serial, [TEMPLATE_PARAMETERS.proof]: proof },
    },
    timeout,
    signal,
  );
  if (typeof answer.thingName !== 'string' || !/^[A-Za-z0-9_:-]{1,128}$/.test(answer.thingName))
    throw new Error('RegisterThing accepted without a valid thingName');
  const deviceConfiguration: Record<string, string> = {};
  for (const [k, v] of Object.entries(answer.deviceConfiguration ?? {}))
    if (typeof v === 'string') deviceConfiguration[k] = v;
  const thing: Thing = {
    thingName: answer.thingName,
    certificateId: pending.certificateId,
    deviceConfiguration,
    provisionedAt: new Date().toISOString(),
  };
  state.saveThing(pending.certificatePem, thing);
  options.onStep?.('registered');
  options.log('info', 'provisioned', { thingName: thing.thingName, certificateId: thing.certificateId });
  return thing;
}

/** The certificate must be for OUR key: a mismatched one would lock the device out later. */
function checkIssued(issued: CreateFromCsrAccepted, keyPem: string): void {
  if (
    typeof issued.certificatePem !== 'string' ||
    typeof issued.certificateId !== 'string' ||
    typeof issued.certificateOwnershipToken !== 'string'
  )
    throw new Error('CreateCertificateFromCsr accepted with missing fields');
  const ours = createPublicKey(keyPem).export({ format: 'der', type: 'spki' });
  const theirs = new X509Certificate(issued.certificatePem).publicKey.export({ format: 'der', type: 'spki' });
  if (!ours.equals(theirs)) throw new Error('the issued certificate is not for the device key');
}

function readClaim(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(
      `cannot read the claim file ${path} (${(err as NodeJS.ErrnoException).code}); ` +
        'a device that has not provisioned needs its claim certificate and key',
      { cause: err },
    );
  }
}
