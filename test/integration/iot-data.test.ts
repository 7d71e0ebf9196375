import {
  GetThingShadowCommand,
  IoTDataPlaneClient,
  UpdateThingShadowCommand,
} from '@aws-sdk/client-iot-data-plane';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { VIEWER_ROLE_ARN } from '../../local/live';
import { ADMIN, sdkConfig, type Credentials } from '../support/aws';
import { agent, newDevice, outputs } from '../support/cloud';
import { closeAll, connect, nextMessage, provision, type ProvisionedDevice } from '../support/iot';

/**
 * The local AWS IoT data plane, driven by the real IoTDataPlaneClient as the handlers use it: it
 * serves the same shadows as the MQTT broker, so a desired change made over HTTPS reaches the
 * device's `update/delta` subscription, and what the device reports over MQTT is what
 * GetThingShadow returns. Calls are SigV4-verified and authorised like AWS IoT's.
 */

const endpoint = outputs.awsEndpoints['iot-data-plane']!;
const client = (credentials: Credentials) => new IoTDataPlaneClient(sdkConfig(agent, credentials, endpoint));
const admin = client(ADMIN);
const decode = (payload: Uint8Array | undefined) =>
  JSON.parse(Buffer.from(payload ?? []).toString('utf8')) as {
    state: { desired?: Record<string, unknown>; reported?: Record<string, unknown>; delta?: unknown };
    version: number;
  };

let device: ProvisionedDevice;

beforeAll(async () => {
  device = await newDevice().then((d) => provision(d.serial));
});

afterAll(() => closeAll());

test('an update is answered with the accepted document, and a get returns the merged shadow', async () => {
  const thingName = device.thingName;
  const mqtt = await connect(device, thingName);
  await mqtt.publishAsync(
    `$aws/things/${thingName}/shadow/update`,
    JSON.stringify({ state: { reported: { streaming: true } } }),
    { qos: 1 },
  );

  const updated = await admin.send(
    new UpdateThingShadowCommand({
      thingName,
      payload: Buffer.from(JSON.stringify({ state: { desired: { viewers: { 'viewer-1': 'sha-256 AB' } } } })),
    }),
  );
  expect(decode(updated.payload).state).toEqual({ desired: { viewers: { 'viewer-1': 'sha-256 AB' } } });

  const got = decode((await admin.send(new GetThingShadowCommand({ thingName }))).payload);
  expect(got.state.desired).toEqual({ viewers: { 'viewer-1': 'sha-256 AB' } });
  expect(got.state.reported).toMatchObject({ streaming: true });
  expect(got.version).toBeGreaterThanOrEqual(2);

  // A null removes the key, as shadow updates do.
  await admin.send(
    new UpdateThingShadowCommand({
      thingName,
      payload: Buffer.from(JSON.stringify({ state: { desired: { viewers: { 'viewer-1': null } } } })),
    }),
  );
  const after = decode((await admin.send(new GetThingShadowCommand({ thingName }))).payload);
  expect(after.state.desired?.viewers ?? {}).toEqual({});
});

test('a desired change made over HTTPS reaches the device on update/delta and update/documents', async () => {
  const thingName = device.thingName;
  const mqtt = await connect(device, thingName);
  const delta = `$aws/things/${thingName}/shadow/update/delta`;
  const documents = `$aws/things/${thingName}/shadow/update/documents`;
  await mqtt.subscribeAsync([delta, documents], { qos: 1 });
  const gotDelta = nextMessage(mqtt, [delta]);
  const gotDocuments = nextMessage(mqtt, [documents]);

  await admin.send(
    new UpdateThingShadowCommand({
      thingName,
      payload: Buffer.from(JSON.stringify({ state: { desired: { viewers: { 'viewer-2': 'sha-256 CD' } } } })),
    }),
  );
  expect((await gotDelta)?.body.state).toEqual({ viewers: { 'viewer-2': 'sha-256 CD' } });
  expect((await gotDocuments)?.body.current.state.desired.viewers).toEqual({ 'viewer-2': 'sha-256 CD' });
});

test('a thing with no shadow is answered 404 ResourceNotFoundException', async () => {
  const err = await admin
    .send(new GetThingShadowCommand({ thingName: `no-shadow-${Date.now()}` }))
    .catch((e: unknown) => e as { name: string; $metadata: { httpStatusCode?: number }; message: string });
  expect(err).toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
  expect((err as { message: string }).message).toMatch(/No shadow exists/);
});

test('a document that is not a shadow update is answered 400 and changes nothing', async () => {
  const thingName = device.thingName;
  const before = decode((await admin.send(new GetThingShadowCommand({ thingName }))).payload);
  const err = await admin
    .send(new UpdateThingShadowCommand({ thingName, payload: Buffer.from('{"nope":1}') }))
    .catch((e: unknown) => e as { name: string; $metadata: { httpStatusCode?: number } });
  expect(err).toMatchObject({ name: 'InvalidRequestException', $metadata: { httpStatusCode: 400 } });
  const after = decode((await admin.send(new GetThingShadowCommand({ thingName }))).payload);
  expect(after.version).toBe(before.version);
});

test('a session whose role does not allow the shadow actions is refused with 403, before any lookup', async () => {
  const sts = new STSClient(sdkConfig(agent, ADMIN, outputs.awsEndpoints.sts!));
  const assumed = await sts.send(
    new AssumeRoleCommand({ RoleArn: VIEWER_ROLE_ARN, RoleSessionName: 'iot-data-test' }),
  );
  const viewer = client({
    accessKeyId: assumed.Credentials!.AccessKeyId!,
    secretAccessKey: assumed.Credentials!.SecretAccessKey!,
    sessionToken: assumed.Credentials!.SessionToken!,
  });
  for (const command of [
    new GetThingShadowCommand({ thingName: device.thingName }),
    new UpdateThingShadowCommand({
      thingName: device.thingName,
      payload: Buffer.from(JSON.stringify({ state: { desired: { viewers: { x: 'y' } } } })),
    }),
    // A thing with no shadow is refused the same way: a caller without permission learns nothing.
    new GetThingShadowCommand({ thingName: `no-shadow-${Date.now()}` }),
  ]) {
    const err = await viewer
      .send(command as GetThingShadowCommand)
      .catch((e: unknown) => e as { name: string; message: string; $metadata: { httpStatusCode?: number } });
    expect(err).toMatchObject({ name: 'ForbiddenException', $metadata: { httpStatusCode: 403 } });
    expect((err as { message: string }).message).toMatch(
      /is not authorized to perform: iot:(Get|Update)ThingShadow/,
    );
  }
  const got = decode((await admin.send(new GetThingShadowCommand({ thingName: device.thingName }))).payload);
  expect(JSON.stringify(got.state.desired)).not.toContain('"x"');
});

test('a request with a bad signature is refused', async () => {
  const forged = client({ accessKeyId: ADMIN.accessKeyId, secretAccessKey: 'not-the-secret' });
  const err = await forged
    .send(new GetThingShadowCommand({ thingName: device.thingName }))
    .catch((e: unknown) => e as { name: string; $metadata: { httpStatusCode?: number } });
  expect(err).toMatchObject({ name: 'InvalidSignatureException', $metadata: { httpStatusCode: 403 } });
  const unknown = client({ accessKeyId: 'AKIANOTISSUEDHERE000', secretAccessKey: 'x' });
  await expect(
    unknown.send(new GetThingShadowCommand({ thingName: device.thingName })),
  ).rejects.toMatchObject({
    $metadata: { httpStatusCode: 403 },
  });
});
