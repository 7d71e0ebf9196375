import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { provisioningClientId, TEMPLATE_PARAMETERS } from '../../lambda/contract/iot-events';
import { newManufactureKey, signProvisioningProof } from '../../lambda/contract/provisioning-proof';
import { auditTrail, newDevice, readDevice } from '../support/cloud';
import {
  call,
  claim,
  closeAll,
  connect,
  CSR_TOPIC,
  eventually,
  newCsr,
  provision,
  provisionTopic,
  registrationParameters,
} from '../support/iot';
import { REPO_ROOT, TEST_OUTPUTS } from '../support/paths';

/**
 * Serial squatting with the shared claim certificate. The claim is the same on every camera, so
 * anyone who extracts it from one camera can run fleet provisioning; serials are printed on
 * labels. The attacker registers a label's serial before its camera first connects: the real
 * camera would then be refused for good (one certificate per serial), and the attacker's
 * "camera" would be the one the owner's viewers call. Each camera therefore also proves its
 * manufacture key, over the certificate being registered.
 */

afterEach(() => closeAll());

/** The attacker's half of provisioning: a certificate for a key of their own, on the claim. */
async function attackerCertificate(
  serial: string,
): Promise<{ client: MqttClient; certificateId: string; token: string; cert: string; key: string }> {
  const client = await connect(claim, provisioningClientId(serial));
  const { csr, key } = await newCsr();
  const created = await call(client, CSR_TOPIC, { certificateSigningRequest: csr });
  expect(created.topic).toBe(`${CSR_TOPIC}/accepted`);
  return {
    client,
    certificateId: created.body.certificateId,
    token: created.body.certificateOwnershipToken,
    cert: created.body.certificatePem,
    key,
  };
}

async function registerThing(client: MqttClient, token: string, parameters: Record<string, string>) {
  return call(client, provisionTopic, { certificateOwnershipToken: token, parameters });
}

/** `npm run devices -- reprovision` against the test cloud, as an operator runs it. */
function reprovision(serial: string, secret: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        join(REPO_ROOT, 'bin', 'devices.ts'),
        'reprovision',
        '--serial',
        serial,
        '--secret',
        secret,
        '--outputs',
        TEST_OUTPUTS,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      },
    );
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

async function auditActions(serial: string): Promise<string[]> {
  return (await auditTrail(`device#${serial}`)).map((item) => String(item.action));
}

describe('a claim holder cannot take a serial', () => {
  test('registering a label serial before its camera connects is refused, and the camera then provisions', async () => {
    const { serial } = await newDevice();
    const attacker = await attackerCertificate(serial);

    // The serial alone, as a squatter who read the label sends it.
    const bare = await registerThing(attacker.client, attacker.token, { SerialNumber: serial });
    expect(bare.topic).toBe(`${provisionTopic}/rejected`);
    expect(bare.body).toMatchObject({ statusCode: 403, errorCode: 'AccessDenied' });

    // A proof made with a key of the attacker's own is no proof either.
    const forged = signProvisioningProof(newManufactureKey().privateKeyPem, serial, attacker.certificateId);
    const withForged = await registerThing(attacker.client, attacker.token, {
      [TEMPLATE_PARAMETERS.serial]: serial,
      [TEMPLATE_PARAMETERS.proof]: forged,
    });
    expect(withForged.topic).toBe(`${provisionTopic}/rejected`);
    expect(withForged.body).toMatchObject({ statusCode: 403 });

    // The attacker's certificate was never activated: it cannot connect as the camera.
    await expect(connect({ cert: attacker.cert, key: attacker.key }, serial)).rejects.toThrow();
    expect((await readDevice(serial))?.certificateId).toBeUndefined();

    // The real camera, with its manufacture key, provisions and connects as its thing.
    const camera = await provision(serial);
    const client = await connect(camera, camera.thingName);
    const item = await eventually(async () => {
      const d = await readDevice(serial);
      return d?.provisioned && d.certificateId ? d : undefined;
    });
    expect(item.certificateId).toBe(camera.certificateId);
    await client.endAsync();
  });

  test("a camera's proof replayed for another certificate, or another serial, is refused", async () => {
    const { serial } = await newDevice();
    const other = await newDevice();

    // A genuine proof, as the camera sends it for a certificate of its own (seen in a log, say).
    // (The camera goes first: a second claim connection with its client id would end the first.)
    const camera = await provision(serial);
    const attacker = await attackerCertificate(serial);
    const seen = registrationParameters(serial, camera.certificateId);
    const replayed = await registerThing(attacker.client, attacker.token, seen);
    expect(replayed.topic).toBe(`${provisionTopic}/rejected`);
    expect(replayed.body).toMatchObject({ statusCode: 403 });

    // Another camera's genuine proof for the attacker's certificate is not this serial's.
    const otherClient = await connect(claim, provisioningClientId(other.serial));
    const { csr } = await newCsr();
    const created = await call(otherClient, CSR_TOPIC, { certificateSigningRequest: csr });
    const crossed = await registerThing(otherClient, created.body.certificateOwnershipToken, {
      [TEMPLATE_PARAMETERS.serial]: other.serial,
      [TEMPLATE_PARAMETERS.proof]: registrationParameters(serial, created.body.certificateId)[
        TEMPLATE_PARAMETERS.proof
      ]!,
    });
    expect(crossed.topic).toBe(`${provisionTopic}/rejected`);
    expect((await readDevice(other.serial))?.certificateId).toBeUndefined();
  });
});

describe('recovery of a camera that must register again', () => {
  test('only the owner, through the operator, lets a reset camera provision a new certificate', async () => {
    const { serial, secret } = await newDevice();
    const first = await provision(serial);
    const before = await connect(first, first.thingName);
    await eventually(async () => (await readDevice(serial))?.certificateId === first.certificateId);
    await before.endAsync();

    // A factory reset: the camera keeps its manufacture key but makes a new device key. One
    // certificate per serial holds, even with a valid proof.
    await expect(provision(serial)).rejects.toThrow(/"statusCode":403/);

    // A reset without the owner's label secret is refused, changes nothing, and is audited.
    const wrong = await reprovision(serial, 'AAAAA-AAAAA-AAAAA-AAAAA');
    expect(wrong.code).not.toBe(0);
    expect(wrong.output).toMatch(/Refused/);
    expect((await readDevice(serial))?.certificateId).toBe(first.certificateId);
    expect(await auditActions(serial)).toContain('device.reprovisioning_refused');
    await expect(provision(serial)).rejects.toThrow(/"statusCode":403/);

    // With it, the recorded certificate is forgotten, and that is audited.
    const allowed = await reprovision(serial, secret);
    expect(allowed).toMatchObject({ code: 0 });
    expect((await readDevice(serial))?.certificateId).toBeUndefined();
    expect(await auditActions(serial)).toContain('device.reprovisioning_allowed');

    // A reset lets in only the camera: a claim holder without its key is still refused.
    const attacker = await attackerCertificate(serial);
    const squat = await registerThing(attacker.client, attacker.token, { SerialNumber: serial });
    expect(squat.topic).toBe(`${provisionTopic}/rejected`);

    // The camera registers its new certificate, which the registry then keeps.
    const again = await provision(serial);
    const after = await connect(again, again.thingName);
    await eventually(async () => (await readDevice(serial))?.certificateId === again.certificateId);
    expect((await readDevice(serial))?.provisioned).toBe(true);
    await after.endAsync();
  });
});
