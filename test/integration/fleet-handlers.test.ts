import {
  DescribeSignalingChannelCommand,
  KinesisVideoClient,
  ListSignalingChannelsCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-kinesis-video';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type {
  DeviceRegisteredEvent,
  PreProvisioningHookEvent,
  PreProvisioningHookResult,
  PresenceEvent,
} from '../../lambda/contract/iot-events';
import { newManufactureKey, signProvisioningProof } from '../../lambda/contract/provisioning-proof';
import { localManufactureKeyPath } from '../../local/factory';
import { ADMIN, sdkConfig } from '../support/aws';
import { agent, newDevice, outputs, readDevice } from '../support/cloud';
import { registrationParameters } from '../support/iot';
import { REPO_ROOT } from '../support/paths';

/**
 * The device fleet's handlers with the event shapes AWS IoT sends, against DynamoDB Local and
 * the KVS emulator. The hook and presence handlers run in this process; the registration handler
 * runs in a child process as the local cloud runs handlers, trusting the local CA (Node reads
 * NODE_EXTRA_CA_CERTS only at startup), so its own KVS client reaches the emulator unchanged.
 */

// The handlers' info logs (one line per decision) would bury the test report.
process.env.POWERTOOLS_LOG_LEVEL = 'WARN';

const admin = new KinesisVideoClient(sdkConfig(agent, ADMIN, outputs.awsEndpoints.kinesisvideo!));
afterAll(() => admin.destroy());

type Hook = (event: PreProvisioningHookEvent) => Promise<PreProvisioningHookResult>;
type Presence = (event: PresenceEvent) => Promise<void>;

async function hook(event: PreProvisioningHookEvent): Promise<PreProvisioningHookResult> {
  const mod = (await import('../../lambda/handlers/pre-provisioning-hook')) as { handler: Hook };
  return mod.handler(event);
}

async function presence(event: PresenceEvent): Promise<void> {
  const mod = (await import('../../lambda/handlers/device-presence')) as { handler: Presence };
  return mod.handler(event);
}

/** Runs a handler in a fresh Node process configured as the local cloud configures handlers. */
function runHandler(name: string, event: unknown, env: Record<string, string> = {}): Promise<unknown> {
  const entry = join(REPO_ROOT, 'lambda', 'handlers', `${name}.ts`);
  const code = [
    `import(${JSON.stringify(entry)})`,
    '.then(async (m) => { const out = await (m.handler ?? m.default.handler)(JSON.parse(process.env.FLEET_EVENT));',
    "process.stdout.write('\\nRESULT ' + JSON.stringify(out ?? null) + '\\n'); })",
    '.catch((err) => { console.error(err); process.exit(1); });',
  ].join('');
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), '-e', code],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          NODE_EXTRA_CA_CERTS: outputs.caCertPath,
          AWS_ENDPOINT_URL_KINESIS_VIDEO: outputs.awsEndpoints.kinesisvideo!,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          POWERTOOLS_LOG_LEVEL: 'ERROR',
          NODE_NO_WARNINGS: '1',
          FLEET_EVENT: JSON.stringify(event),
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (status) => {
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (status !== 0 || !line) reject(new Error(`${name} exited with ${status}: ${stderr || stdout}`));
      else resolve(JSON.parse(line.slice('RESULT '.length)));
    });
  });
}

const certId = () => randomBytes(32).toString('hex');

/**
 * What AWS IoT sends the hook for `serial`: by default with the proof the camera makes with the
 * manufacture key the local factory wrote for it (`newDevice()`), for this certificate.
 */
function hookEvent(
  serial: string,
  overrides: Partial<PreProvisioningHookEvent> = {},
): PreProvisioningHookEvent {
  const certificateId = overrides.certificateId ?? certId();
  return {
    claimCertificateId: 'c'.repeat(64),
    certificateId,
    certificatePem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    templateArn: 'arn:aws:iot:us-east-1:123456789012:provisioningtemplate/sightline-local',
    clientId: `prov-${serial}`,
    parameters: existsSync(localManufactureKeyPath(outputs.iot, serial))
      ? registrationParameters(serial, certificateId)
      : { SerialNumber: serial },
    ...overrides,
  };
}

function lifecycle(
  clientId: string,
  eventType: 'connected' | 'disconnected',
  versionNumber: number,
  timestamp: number,
): PresenceEvent {
  return {
    clientId,
    timestamp,
    eventType,
    event: eventType,
    sessionIdentifier: randomUUID().replace(/-/g, ''),
    principalIdentifier: 'a'.repeat(64),
    versionNumber,
    ...(eventType === 'disconnected'
      ? { clientInitiatedDisconnect: false, disconnectReason: 'CONNECTION_LOST' }
      : { ipAddress: '192.0.2.10' }),
  };
}

describe('pre-provisioning hook', () => {
  test('a registered serial on its own claim connection provisions as the thing named in the registry', async () => {
    const device = await newDevice();
    const started = Date.now();
    const result = await hook(hookEvent(device.serial));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result).toEqual({
      allowProvisioning: true,
      parameterOverrides: { ThingName: device.serial, SerialNumber: device.serial },
    });
  });

  test('a serial typed in lower case is the same device', async () => {
    const device = await newDevice();
    const lower = device.serial.toLowerCase();
    const result = await hook(hookEvent(lower));
    expect(result.allowProvisioning).toBe(true);
    expect(result.parameterOverrides.ThingName).toBe(device.serial);
  });

  test('an unknown serial is denied', async () => {
    const result = await hook(hookEvent('T-NOT-REGISTERED-1'));
    expect(result).toEqual({ allowProvisioning: false, parameterOverrides: {} });
  });

  test('a missing or malformed serial is denied', async () => {
    const device = await newDevice();
    expect((await hook(hookEvent(device.serial, { parameters: {} }))).allowProvisioning).toBe(false);
    expect(
      (await hook(hookEvent(device.serial, { parameters: { SerialNumber: `${device.serial}/x` } })))
        .allowProvisioning,
    ).toBe(false);
  });

  test("without the camera's proof for this certificate, a registered serial is denied", async () => {
    const device = await newDevice();
    const certificateId = certId();
    const own = registrationParameters(device.serial, certificateId);
    const cases: Record<string, Record<string, string>> = {
      'no proof': { SerialNumber: device.serial },
      'an empty proof': { SerialNumber: device.serial, ProvisioningProof: '' },
      'not base64': { SerialNumber: device.serial, ProvisioningProof: '!'.repeat(88) },
      'another key': {
        SerialNumber: device.serial,
        ProvisioningProof: signProvisioningProof(
          newManufactureKey().privateKeyPem,
          device.serial,
          certificateId,
        ),
      },
      'another certificate': registrationParameters(device.serial, certId()),
    };
    for (const [name, parameters] of Object.entries(cases)) {
      const result = await hook(hookEvent(device.serial, { certificateId, parameters }));
      expect({ name, result }).toEqual({
        name,
        result: { allowProvisioning: false, parameterOverrides: {} },
      });
    }
    expect((await hook(hookEvent(device.serial, { certificateId, parameters: own }))).allowProvisioning).toBe(
      true,
    );
  });

  test('a device registered without a manufacture key is denied', async () => {
    const { registerDevice } = await import('../../lambda/core/devices');
    const serial = `T-NOKEY-${randomUUID().slice(0, 8).toUpperCase()}`;
    await registerDevice(serial, 'unused-hash', '');
    const proof = signProvisioningProof(newManufactureKey().privateKeyPem, serial, certId());
    const result = await hook(
      hookEvent(serial, { parameters: { SerialNumber: serial, ProvisioningProof: proof } }),
    );
    expect(result.allowProvisioning).toBe(false);
  });

  test("the claim connection must be the serial's own: prov-<serial>", async () => {
    const device = await newDevice();
    const other = await newDevice();
    for (const clientId of [`prov-${other.serial}`, device.serial, `x-${device.serial}`, '']) {
      const result = await hook(hookEvent(device.serial, { clientId }));
      expect({ clientId, allowed: result.allowProvisioning }).toEqual({ clientId, allowed: false });
    }
  });

  test('a serial registered with another certificate is denied; the same certificate may finish', async () => {
    const device = await newDevice();
    const first = certId();
    const { recordCertificate } = await import('../../lambda/core/devices');
    expect(await recordCertificate(device.serial, first)).toBe(true);

    const again = await hook(hookEvent(device.serial, { certificateId: first }));
    expect(again.allowProvisioning).toBe(true);
    const another = await hook(hookEvent(device.serial, { certificateId: certId() }));
    expect(another).toEqual({ allowProvisioning: false, parameterOverrides: {} });
  });

  test('a device the teardown forgot may provision afresh with a new certificate', async () => {
    const device = await newDevice();
    const { forgetRegistration, recordCertificate, recordChannel } =
      await import('../../lambda/core/devices');
    await recordCertificate(device.serial, certId());
    await recordChannel(
      device.serial,
      `arn:aws:kinesisvideo:us-east-1:123456789012:channel/${device.serial}/1`,
    );
    expect((await hook(hookEvent(device.serial))).allowProvisioning).toBe(false);

    expect(await forgetRegistration(device.serial)).toBe(true);
    const item = await readDevice(device.serial);
    expect(item).toMatchObject({ provisioned: false, online: false });
    expect(item?.certificateId).toBeUndefined();
    expect(item?.channelArn).toBeUndefined();
    expect((await hook(hookEvent(device.serial))).allowProvisioning).toBe(true);
    expect(await forgetRegistration('T-NOT-REGISTERED-2')).toBe(false);
  });

  test('an error denies: the registry table cannot be read', async () => {
    const device = await newDevice();
    const result = await runHandler('pre-provisioning-hook', hookEvent(device.serial), {
      TABLE_DEVICES: `no-such-table-${randomUUID()}`,
    });
    expect(result).toEqual({ allowProvisioning: false, parameterOverrides: {} });
    // The same request against the real table is allowed, so the denial above came from the error.
    expect(await runHandler('pre-provisioning-hook', hookEvent(device.serial))).toMatchObject({
      allowProvisioning: true,
    });
  });
});

describe('presence', () => {
  test('online and last seen follow the newest lifecycle event, whatever order events arrive in', async () => {
    const { serial } = await newDevice();
    const t0 = Date.parse('2026-01-01T10:00:00.000Z');
    const state = async () => {
      const item = await readDevice(serial);
      return { online: item?.online, lastSeenAt: item?.lastSeenAt };
    };

    await presence(lifecycle(serial, 'connected', 1, t0));
    expect(await state()).toEqual({ online: true, lastSeenAt: '2026-01-01T10:00:00.000Z' });

    await presence(lifecycle(serial, 'disconnected', 1, t0 + 5000));
    expect(await state()).toEqual({ online: false, lastSeenAt: '2026-01-01T10:00:05.000Z' });

    // A late copy of the connection it ended, and a duplicate of the disconnection: no change.
    await presence(lifecycle(serial, 'connected', 1, t0));
    await presence(lifecycle(serial, 'disconnected', 1, t0 + 5000));
    expect(await state()).toEqual({ online: false, lastSeenAt: '2026-01-01T10:00:05.000Z' });

    // The next connection, then its disconnection delivered before an older one's: version decides.
    await presence(lifecycle(serial, 'connected', 2, t0 + 10_000));
    expect(await state()).toEqual({ online: true, lastSeenAt: '2026-01-01T10:00:10.000Z' });
    await presence(lifecycle(serial, 'disconnected', 1, t0 + 5000));
    expect((await state()).online).toBe(true);

    // Within the timestamps' accuracy, an older version loses even with a later clock.
    await presence(lifecycle(serial, 'disconnected', 1, t0 + 20_000));
    expect((await state()).online).toBe(true);

    // Version numbers may start again after a long absence: a much later event still wins.
    await presence(lifecycle(serial, 'connected', 0, t0 + 3_600_000));
    await presence(lifecycle(serial, 'disconnected', 0, t0 + 3_700_000));
    expect(await state()).toEqual({ online: false, lastSeenAt: '2026-01-01T11:01:40.000Z' });
  });

  test('provisioning sessions (prov-*) are ignored, even when a serial reads like one', async () => {
    const { registerDevice } = await import('../../lambda/core/devices');
    const serial = `PROV-${randomUUID().slice(0, 8).toUpperCase()}`;
    await registerDevice(serial, 'unused-hash', 'unused-key');
    // Without the prov-* rule, this client id would name the device above (serials are case-insensitive).
    await presence(lifecycle(serial.toLowerCase(), 'connected', 1, Date.now()));
    const item = await readDevice(serial);
    expect(item?.online).toBe(false);
    expect(item?.lastSeenAt).toBeUndefined();

    // The same event under the thing's own name is applied, so the one above was ignored by rule.
    await presence(lifecycle(serial, 'connected', 1, Date.now()));
    expect((await readDevice(serial))?.online).toBe(true);
  });

  test('an unknown thing changes nothing and does not fail', async () => {
    await expect(presence(lifecycle('T-NO-SUCH-THING', 'connected', 1, Date.now()))).resolves.toBeUndefined();
    expect(await readDevice('T-NO-SUCH-THING')).toBeUndefined();
  });
});

describe('registration', () => {
  const registered = (thingName: string, certificateId: string): DeviceRegisteredEvent => ({
    thingName,
    certificateId,
    timestamp: Date.now(),
  });

  async function channelsNamed(name: string) {
    const out = await admin.send(
      new ListSignalingChannelsCommand({
        ChannelNameCondition: { ComparisonOperator: 'BEGINS_WITH', ComparisonValue: name },
      }),
    );
    return (out.ChannelInfoList ?? []).filter((c) => c.ChannelName === name);
  }

  test('creates the tagged channel once, records it and the certificate, and marks the device provisioned', async () => {
    const { serial } = await newDevice();
    const cert = certId();

    // Two deliveries at once (rules may deliver twice), then a later connection.
    await Promise.all([
      runHandler('device-registered', registered(serial, cert)),
      runHandler('device-registered', registered(serial, cert)),
    ]);
    const item = await readDevice(serial);
    expect(item).toMatchObject({ provisioned: true, certificateId: cert });
    const channels = await channelsNamed(serial);
    expect(channels).toHaveLength(1);
    expect(item?.channelArn).toBe(channels[0]!.ChannelARN);

    const tags = await admin.send(new ListTagsForResourceCommand({ ResourceARN: item!.channelArn! }));
    expect(tags.Tags).toMatchObject({ 'sightline:serial': serial });

    await runHandler('device-registered', registered(serial, cert));
    expect(await channelsNamed(serial)).toHaveLength(1);
    expect((await readDevice(serial))?.channelArn).toBe(item?.channelArn);
  });

  test('a connection with another certificate than the registered one changes nothing', async () => {
    const { serial } = await newDevice();
    const cert = certId();
    await runHandler('device-registered', registered(serial, cert));
    const before = await readDevice(serial);

    await runHandler('device-registered', registered(serial, certId()));
    expect(await readDevice(serial)).toEqual(before);
  });

  test('a thing that is not in the registry gets no channel', async () => {
    const name = `T-UNREGISTERED-${randomUUID().slice(0, 8).toUpperCase()}`;
    await runHandler('device-registered', registered(name, certId()));
    await expect(
      admin.send(new DescribeSignalingChannelCommand({ ChannelName: name })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});
