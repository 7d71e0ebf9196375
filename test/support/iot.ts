import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import mqtt, { type MqttClient } from 'mqtt';
import { webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { provisioningClientId, TEMPLATE_PARAMETERS } from '../../lambda/contract/iot-events';
import { signProvisioningProof } from '../../lambda/contract/provisioning-proof';
import { localManufactureKeyPath } from '../../local/factory';
import { AWS_PORTS, splitEndpoint } from '../../local/endpoints';
import { ADMIN, sdkConfig } from './aws';
import { agent, outputs } from './cloud';

/**
 * Driving the local cloud's AWS IoT as a device does: mqtt.js over TLS with a certificate, the
 * fleet provisioning MQTT API, and the credentials provider over HTTPS with a certificate.
 */

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const iot = outputs.iot;
export const iotOutputs = iot;
export const caPem = readFileSync(iot.caCertPath, 'utf8');
export const claim = {
  cert: readFileSync(iot.claim.certPath, 'utf8'),
  key: readFileSync(iot.claim.keyPath, 'utf8'),
};
export const provisionTopic = `$aws/provisioning-templates/${iot.templateName}/provision/json`;
export const CSR_TOPIC = '$aws/certificates/create-from-csr/json';
export const CREATE_TOPIC = '$aws/certificates/create/json';

/** A JSON reply, read by the tests field by field. */
type Body = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const open: MqttClient[] = [];

/** Connects with a certificate; rejects with the CONNACK refusal or TLS error. */
export async function connect(
  identity: { cert: string; key: string },
  clientId: string,
  target: { endpoint: string; ca: string } = { endpoint: iot.endpoint, ca: caPem },
): Promise<MqttClient> {
  const { host, port } = splitEndpoint(target.endpoint, AWS_PORTS.mqtt);
  const client = mqtt.connect({
    host,
    port,
    protocol: 'mqtts',
    ca: target.ca,
    cert: identity.cert,
    key: identity.key,
    clientId,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
  });
  open.push(client);
  // A refused certificate ends the TLS session after the handshake (TLS 1.3): a close, no error.
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
    client.once('close', () => reject(new Error('connection closed before CONNACK')));
  });
  return client;
}

/** Ends every client a test file opened. */
export async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
}

/** Resolves when the client's connection closes (as AWS closes it on an unauthorised action). */
export function closed(client: MqttClient, ms = 5000): Promise<boolean> {
  if (!client.connected) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    client.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** The next message on `topics`, or null if none arrives within `ms`. */
export function nextMessage(
  client: MqttClient,
  topics: string[],
  ms = 10_000,
): Promise<{ topic: string; body: Body } | null> {
  return new Promise((resolve) => {
    const onMessage = (topic: string, payload: Buffer) => {
      if (!topics.includes(topic)) return;
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve({ topic, body: JSON.parse(payload.toString('utf8')) });
    };
    const timer = setTimeout(() => {
      client.off('message', onMessage);
      resolve(null);
    }, ms);
    client.on('message', onMessage);
  });
}

/** One request of the provisioning API: subscribe to both replies first, then publish. */
export async function call(
  client: MqttClient,
  topic: string,
  body: unknown,
): Promise<{ topic: string; body: Body }> {
  const replies = [`${topic}/accepted`, `${topic}/rejected`];
  const granted = await client.subscribeAsync(replies, { qos: 1 });
  if (granted.some((g) => g.qos === 128)) throw new Error('subscription refused');
  const reply = nextMessage(client, replies);
  await client.publishAsync(topic, body === undefined ? '' : JSON.stringify(body), { qos: 1 });
  const answer = await reply;
  if (!answer) throw new Error(`no reply on ${topic}`);
  return answer;
}

/**
 * RegisterThing's parameters as the agent sends them: the serial, and the proof made with the
 * manufacture key the local factory wrote for it (`newDevice()`), for this certificate.
 */
export function registrationParameters(serial: string, certificateId: string): Record<string, string> {
  const key = readFileSync(localManufactureKeyPath(iot, serial), 'utf8');
  return {
    [TEMPLATE_PARAMETERS.serial]: serial,
    [TEMPLATE_PARAMETERS.proof]: signProvisioningProof(key, serial, certificateId),
  };
}

/** A key made on the "device" and a CSR for it, as the agent makes them. */
export async function newCsr(): Promise<{ csr: string; key: string }> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=sightline-camera',
    keys,
    signingAlgorithm: alg,
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  return {
    csr: csr.toString('pem'),
    key: `-----BEGIN PRIVATE KEY-----\n${pkcs8.replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`,
  };
}

export interface ProvisionedDevice {
  serial: string;
  thingName: string;
  certificateId: string;
  cert: string;
  key: string;
  deviceConfiguration: Record<string, string>;
}

/** Provisions `serial` by claim with a CSR, as the agent does; throws with the rejection. */
export async function provision(serial: string): Promise<ProvisionedDevice> {
  const claimClient = await connect(claim, provisioningClientId(serial));
  try {
    const { csr, key } = await newCsr();
    const created = await call(claimClient, CSR_TOPIC, { certificateSigningRequest: csr });
    if (created.topic.endsWith('/rejected')) throw new Error(JSON.stringify(created.body));
    const registered = await call(claimClient, provisionTopic, {
      certificateOwnershipToken: created.body.certificateOwnershipToken,
      parameters: registrationParameters(serial, created.body.certificateId),
    });
    if (registered.topic.endsWith('/rejected')) throw new Error(JSON.stringify(registered.body));
    return {
      serial,
      thingName: registered.body.thingName,
      certificateId: created.body.certificateId,
      cert: created.body.certificatePem,
      key,
      deviceConfiguration: registered.body.deviceConfiguration,
    };
  } finally {
    await claimClient.endAsync();
  }
}

/** GET /role-aliases/<alias>/credentials with a client certificate, as the C SDK does. */
export function fetchCredentials(
  identity: { cert: string; key: string } | undefined,
  thingName: string | undefined,
  roleAlias = iot.roleAlias,
): Promise<{ status: number; body: Body }> {
  const { host, port } = splitEndpoint(iot.credentialsEndpoint, AWS_PORTS.https);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port,
        path: `/role-aliases/${encodeURIComponent(roleAlias)}/credentials`,
        method: 'GET',
        ca: caPem,
        ...(identity ? { cert: identity.cert, key: identity.key } : {}),
        headers: thingName !== undefined ? { 'x-amzn-iot-thingname': thingName } : {},
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Polls until `check` returns a value, or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

let iotData: IoTDataPlaneClient | undefined;

/**
 * Allows a viewer on a camera as the cloud does when the viewer publishes its fingerprint
 * (`desired.viewers[clientId] = { fingerprint, expiresAt }`, null to end it), through the IoT data
 * plane. A camera answers only the offers whose fingerprint is there, until `expiresAt` (ms since
 * the epoch; a session's 15 minutes unless given).
 */
export async function allowViewer(
  thingName: string,
  clientId: string,
  fingerprint: string | null,
  expiresAt = Date.now() + 15 * 60_000,
): Promise<void> {
  iotData ??= new IoTDataPlaneClient(sdkConfig(agent, ADMIN, outputs.awsEndpoints['iot-data-plane']!));
  const entry = fingerprint === null ? null : { fingerprint, expiresAt };
  const payload = { state: { desired: { viewers: { [clientId]: entry } } } };
  await iotData.send(
    new UpdateThingShadowCommand({ thingName, payload: Buffer.from(JSON.stringify(payload)) }),
  );
}
