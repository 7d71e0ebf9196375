import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { provisioningClientId } from '../../lambda/contract/iot-events';
import type { LocalIotOutputs } from '../../lambda/contract/types';
import { newDevice, outputs, readDevice } from '../support/cloud';
import { REPO_ROOT } from '../support/paths';
import {
  call,
  claim,
  closeAll,
  closed,
  connect,
  CREATE_TOPIC,
  CSR_TOPIC,
  eventually,
  iotOutputs,
  newCsr,
  nextMessage,
  provision,
  provisionTopic,
  registrationParameters,
} from '../support/iot';

/**
 * Fleet provisioning by claim against the local cloud's AWS IoT, with mqtt.js as the camera uses
 * it: the real pre-provisioning hook decides, RegisterThing applies the template, and the topic
 * rules feed the real registration and presence handlers.
 */

afterEach(() => closeAll());

describe('provisioning by claim', () => {
  test('CreateCertificateFromCsr and RegisterThing make a thing that connects under its own name', async () => {
    const { serial } = await newDevice();
    const claimClient = await connect(claim, provisioningClientId(serial));
    const { csr, key } = await newCsr();

    const created = await call(claimClient, CSR_TOPIC, { certificateSigningRequest: csr });
    expect(created.topic).toBe(`${CSR_TOPIC}/accepted`);
    expect(Object.keys(created.body).sort()).toEqual([
      'certificateId',
      'certificateOwnershipToken',
      'certificatePem',
    ]);
    const cert = new x509.X509Certificate(created.body.certificatePem);
    expect(created.body.certificateId).toBe(
      createHash('sha256').update(Buffer.from(cert.rawData)).digest('hex'),
    );
    // The certificate is for the key the device kept: its public key is the CSR's.
    const devicePublic = createPublicKey(createPrivateKey(key)).export({ type: 'spki', format: 'der' });
    expect(Buffer.from(cert.publicKey.rawData).equals(devicePublic)).toBe(true);

    // Not yet registered: a PENDING_ACTIVATION certificate cannot connect.
    await expect(connect({ cert: created.body.certificatePem, key }, serial)).rejects.toThrow();

    const registered = await call(claimClient, provisionTopic, {
      certificateOwnershipToken: created.body.certificateOwnershipToken,
      parameters: registrationParameters(serial, created.body.certificateId),
      templateName: iotOutputs.templateName, // the v1 SDK sends it too; the service ignores it
    });
    expect(registered.topic).toBe(`${provisionTopic}/accepted`);
    expect(registered.body).toEqual({
      thingName: serial,
      deviceConfiguration: {
        CredentialEndpoint: iotOutputs.credentialsEndpoint,
        DataEndpoint: iotOutputs.endpoint,
        RoleAlias: iotOutputs.roleAlias,
        Region: outputs.region,
      },
    });

    // Running RegisterThing again (a lost reply) gives the same thing, not a second one.
    const again = await call(claimClient, provisionTopic, {
      certificateOwnershipToken: created.body.certificateOwnershipToken,
      parameters: registrationParameters(serial, created.body.certificateId),
    });
    expect(again.body.thingName).toBe(serial);
    await claimClient.endAsync();

    // The device connects as its thing; the registration rule gives it a channel named after it,
    // and the presence rule marks it online, then offline when it leaves.
    const device = await connect({ cert: created.body.certificatePem, key }, serial);
    const item = await eventually(async () => {
      const d = await readDevice(serial);
      return d?.provisioned && d.online && d.channelArn ? d : undefined;
    });
    expect(item.channelArn).toMatch(new RegExp(`:channel/${serial}/\\d+$`));
    expect(item.certificateId).toBe(created.body.certificateId);
    await device.endAsync();
    await eventually(async () => (await readDevice(serial))?.online === false);
  });

  test('the hook refuses a serial that is not in the registry', async () => {
    const serial = `UNKNOWN-${Date.now()}`;
    const claimClient = await connect(claim, provisioningClientId(serial));
    const { csr } = await newCsr();
    const created = await call(claimClient, CSR_TOPIC, { certificateSigningRequest: csr });
    const refused = await call(claimClient, provisionTopic, {
      certificateOwnershipToken: created.body.certificateOwnershipToken,
      parameters: { SerialNumber: serial },
    });
    expect(refused.topic).toBe(`${provisionTopic}/rejected`);
    expect(refused.body).toEqual({
      statusCode: 403,
      errorCode: 'AccessDenied',
      errorMessage: expect.any(String),
    });
    // The certificate was never activated: it cannot connect.
    await expect(
      connect({ cert: created.body.certificatePem, key: (await newCsr()).key }, serial),
    ).rejects.toThrow();
  });

  test('a serial already registered with another certificate is refused', async () => {
    const { serial } = await newDevice();
    const first = await provision(serial);
    const device = await connect(first, first.thingName);
    await eventually(async () => (await readDevice(serial))?.certificateId === first.certificateId);
    await device.endAsync();

    await expect(provision(serial)).rejects.toThrow(/"statusCode":403/);
  });

  test('a device that restarts between the two steps registers with its stored token', async () => {
    const { serial } = await newDevice();
    const first = await connect(claim, provisioningClientId(serial));
    const { csr, key } = await newCsr();
    const created = await call(first, CSR_TOPIC, { certificateSigningRequest: csr });
    first.end(true); // the device dies before RegisterThing

    const again = await connect(claim, provisioningClientId(serial));
    const registered = await call(again, provisionTopic, {
      certificateOwnershipToken: created.body.certificateOwnershipToken,
      parameters: registrationParameters(serial, created.body.certificateId),
    });
    expect(registered.body.thingName).toBe(serial);
    const device = await connect({ cert: created.body.certificatePem, key }, serial);
    expect(device.connected).toBe(true);
  });

  test('RegisterThing with an unknown token, or none, is rejected', async () => {
    const { serial } = await newDevice();
    const client = await connect(claim, provisioningClientId(serial));
    const forged = await call(client, provisionTopic, {
      certificateOwnershipToken: 'x'.repeat(64),
      parameters: { SerialNumber: serial },
    });
    expect(forged.topic).toBe(`${provisionTopic}/rejected`);
    // AWS's error code for both (the fleet provisioning MQTT API's RegisterThing errors).
    expect(forged.body).toMatchObject({ statusCode: 400, errorCode: 'InvalidCertificateOwnershipToken' });
    const missing = await call(client, provisionTopic, { parameters: { SerialNumber: serial } });
    expect(missing.body).toMatchObject({ statusCode: 400, errorCode: 'InvalidCertificateOwnershipToken' });
  });

  test('a malformed CSR is rejected', async () => {
    const client = await connect(claim, `prov-bad-csr-${Date.now()}`);
    const bad = await call(client, CSR_TOPIC, { certificateSigningRequest: 'not a csr' });
    expect(bad.topic).toBe(`${CSR_TOPIC}/rejected`);
    expect(bad.body.statusCode).toBe(400);
  });

  test('a request without a subscription to its reply topic gets no reply', async () => {
    const client = await connect(claim, `prov-nosub-${Date.now()}`);
    await client.subscribeAsync(`${CSR_TOPIC}/rejected`, { qos: 1 });
    const reply = nextMessage(client, [`${CSR_TOPIC}/accepted`, `${CSR_TOPIC}/rejected`], 1500);
    await client.publishAsync(
      CSR_TOPIC,
      JSON.stringify({ certificateSigningRequest: (await newCsr()).csr }),
      {
        qos: 1,
      },
    );
    expect(await reply).toBeNull();
    expect(await closed(client, 100)).toBe(false);
  });
});

describe('presence', () => {
  test('a second connection with the same client id takes over, and the device stays online', async () => {
    const { serial } = await newDevice();
    const device = await provision(serial);
    const first = await connect(device, device.thingName);
    await eventually(async () => (await readDevice(serial))?.online === true);
    const kicked = closed(first);
    const second = await connect(device, device.thingName);
    expect(await kicked).toBe(true);
    expect(second.connected).toBe(true);
    // The first session's disconnection (version 0) is older than the second's connection.
    await eventually(async () => (await readDevice(serial))?.presenceVersion === 1);
    expect((await readDevice(serial))?.online).toBe(true);
    await second.endAsync();
    await eventually(async () => (await readDevice(serial))?.online === false);
  });
});

describe('device shadow', () => {
  test('a device reports its state and reads it back, with versions and a delta', async () => {
    const { serial } = await newDevice();
    const device = await provision(serial);
    const client = await connect(device, device.thingName);
    const shadow = `$aws/things/${device.thingName}/shadow`;

    const missing = await call(client, `${shadow}/get`, undefined);
    expect(missing.topic).toBe(`${shadow}/get/rejected`);
    expect(missing.body).toMatchObject({ code: 404 });

    const updated = await call(client, `${shadow}/update`, {
      state: { reported: { provisioned: true, streaming: false } },
      clientToken: 'agent-1',
    });
    expect(updated.topic).toBe(`${shadow}/update/accepted`);
    expect(updated.body).toMatchObject({
      state: { reported: { provisioned: true, streaming: false } },
      version: 1,
      clientToken: 'agent-1',
    });

    await client.subscribeAsync(`${shadow}/update/delta`, { qos: 1 });
    const delta = nextMessage(client, [`${shadow}/update/delta`]);
    await call(client, `${shadow}/update`, { state: { desired: { streaming: true } } });
    expect((await delta)?.body).toMatchObject({ state: { streaming: true }, version: 2 });

    const conflict = await call(client, `${shadow}/update`, {
      state: { reported: { streaming: true } },
      version: 1,
    });
    expect(conflict.body).toMatchObject({ code: 409 });

    const got = await call(client, `${shadow}/get`, undefined);
    expect(got.body).toMatchObject({
      state: {
        desired: { streaming: true },
        reported: { provisioned: true, streaming: false },
        delta: { streaming: true },
      },
      version: 2,
    });
  });
});

/**
 * The camera fleet's claim policy allows only CreateCertificateFromCsr (the key never leaves the
 * device). CreateKeysAndCertificate is emulated as well, and checked on a private instance of the
 * emulator whose claim certificate is also given a policy for it.
 */
describe('CreateKeysAndCertificate', () => {
  let child: ChildProcess;
  let privateIot: LocalIotOutputs & { ca: string };
  let target: { endpoint: string; ca: string };

  beforeAll(async () => {
    child = spawn(
      process.execPath,
      [
        join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        join(REPO_ROOT, 'test', 'support', 'private-iot.ts'),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const line = await new Promise<string>((resolve, reject) => {
      let text = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) resolve(text.split('\n')[0]!);
      });
      child.once('exit', (code) => reject(new Error(`private IoT exited with ${code}`)));
    });
    privateIot = JSON.parse(line) as LocalIotOutputs & { ca: string };
    target = { endpoint: privateIot.endpoint, ca: privateIot.ca };
  });

  const privateClaim = () => ({
    cert: readFileSync(privateIot.claim.certPath, 'utf8'),
    key: readFileSync(privateIot.claim.keyPath, 'utf8'),
  });

  afterAll(async () => {
    await closeAll();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  });

  test('CreateKeysAndCertificate answers only the requesting connection', async () => {
    const requester = await connect(privateClaim(), `prov-keys-${Date.now()}`, target);
    const bystander = await connect(privateClaim(), `prov-bystander-${Date.now()}`, target);
    await bystander.subscribeAsync([`${CREATE_TOPIC}/accepted`, `${CREATE_TOPIC}/rejected`], { qos: 1 });
    const seen = nextMessage(bystander, [`${CREATE_TOPIC}/accepted`, `${CREATE_TOPIC}/rejected`], 1500);

    const created = await call(requester, CREATE_TOPIC, {});
    expect(created.topic).toBe(`${CREATE_TOPIC}/accepted`);
    expect(created.body.privateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    const key = createPrivateKey(created.body.privateKey);
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const cert = new x509.X509Certificate(created.body.certificatePem);
    expect(
      Buffer.from(cert.publicKey.rawData).equals(
        createPublicKey(key).export({ type: 'spki', format: 'der' }),
      ),
    ).toBe(true);
    expect(await seen).toBeNull();

    // An empty payload is a valid request too.
    const empty = await call(requester, CREATE_TOPIC, undefined);
    expect(empty.topic).toBe(`${CREATE_TOPIC}/accepted`);
  });
});
