import {
  CreateSignalingChannelCommand,
  DescribeSignalingChannelCommand,
  KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { readFileSync } from 'node:fs';
import { sessionSchema } from '../../lambda/contract/schemas';
import { explainInvalid } from '../../lambda/core/validation';
import { ADMIN, closeSignaling, installTrustingWebSocket, openSignaling, sdkConfig } from '../support/aws';
import { agent, api, newDevice, newUser, outputs, mintBody } from '../support/cloud';
import { expectProblem } from '../support/problems';

/** One call to watch: POST /devices/{id}/sessions through the gateway, the handler and the emulators. */
const admin = new KinesisVideoClient(sdkConfig(agent, ADMIN, outputs.awsEndpoints.kinesisvideo!));

/** A registered device, bound to `owner`, with a channel as provisioning gives it. */
async function provisionedDevice(token: string) {
  const device = await newDevice();
  expect((await api('bindDevice', { token, body: device })).status).toBe(201);
  const created = await admin.send(new CreateSignalingChannelCommand({ ChannelName: device.serial }));
  const { recordChannel } = await import('../../lambda/core/devices');
  await recordChannel(device.serial, created.ChannelARN!);
  return { ...device, channelArn: created.ChannelARN! };
}

describe('viewer sessions', () => {
  beforeAll(() => installTrustingWebSocket(readFileSync(outputs.caCertPath)));
  afterAll(() => {
    closeSignaling();
    admin.destroy();
  });

  test("someone else's device and an unknown one look the same: 404", async () => {
    const owner = await newUser();
    const other = await newUser();
    const device = await provisionedDevice(owner.idToken);
    const theirs = await api('createDeviceSession', {
      body: mintBody(),
      token: other.idToken,
      params: { deviceId: device.serial },
    });
    const unknown = await api('createDeviceSession', {
      body: mintBody(),
      token: other.idToken,
      params: { deviceId: 'NO-SUCH-DEVICE' },
    });
    expect(expectProblem(theirs, 404, 'NOT_FOUND')).toEqual(expectProblem(unknown, 404, 'NOT_FOUND'));
  });

  test('a bound device that has not provisioned yet: 409', async () => {
    const owner = await newUser();
    const device = await newDevice();
    await api('bindDevice', { token: owner.idToken, body: device });
    expectProblem(
      await api('createDeviceSession', {
        body: mintBody(),
        token: owner.idToken,
        params: { deviceId: device.serial },
      }),
      409,
      'DEVICE_NOT_PROVISIONED',
    );
  });

  test('the owner gets a whole Session whose credentials reach only that channel, as viewer', async () => {
    const owner = await newUser();
    const mine = await provisionedDevice(owner.idToken);
    const other = await provisionedDevice((await newUser()).idToken);

    const answer = await api('createDeviceSession', {
      body: mintBody(),
      token: owner.idToken,
      params: { deviceId: mine.serial },
    });
    expect(answer.status).toBe(201);
    const session = answer.json();
    expect(explainInvalid(sessionSchema, session)).toBeNull();
    expect(session).toMatchObject({ channelArn: mine.channelArn, channelName: mine.serial, role: 'VIEWER' });
    expect(session.clientId).toMatch(/^[A-Za-z0-9_.-]{1,256}$/);
    const lifetime = Date.parse(session.credentials.expiration) - Date.now();
    expect(lifetime).toBeGreaterThan(14 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(15 * 60_000);
    expect(session.endpoints.wss).toMatch(/^wss:\/\/[^?]+$/);

    // The control plane: its own channel yes, another device's no. (The SDK takes no string expiry.)
    const { accessKeyId, secretAccessKey, sessionToken } = session.credentials;
    const credentials = { accessKeyId, secretAccessKey, sessionToken };
    const viewer = new KinesisVideoClient(sdkConfig(agent, credentials, outputs.awsEndpoints.kinesisvideo!));
    await expect(
      viewer.send(new DescribeSignalingChannelCommand({ ChannelARN: mine.channelArn })),
    ).resolves.toBeDefined();
    await expect(
      viewer.send(new DescribeSignalingChannelCommand({ ChannelARN: other.channelArn })),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    viewer.destroy();

    // The WebSocket: viewer on its own channel yes; on another's, or as master, no.
    const signaling = { channelEndpoint: session.endpoints.wss, credentials };
    await expect(
      openSignaling({ ...signaling, channelARN: mine.channelArn, clientId: session.clientId }),
    ).resolves.toBeDefined();
    await expect(
      openSignaling({ ...signaling, channelARN: other.channelArn, clientId: session.clientId }),
    ).rejects.toThrow();
    await expect(openSignaling({ ...signaling, channelARN: mine.channelArn })).rejects.toThrow();
  });

  test('each minted session is in the audit trail with who minted it', async () => {
    const owner = await newUser();
    const device = await provisionedDevice(owner.idToken);
    expect(
      (
        await api('createDeviceSession', {
          body: mintBody(),
          token: owner.idToken,
          params: { deviceId: device.serial },
        })
      ).status,
    ).toBe(201);
    const { ddb } = await import('../../lambda/core/clients');
    const audit = await ddb.send(
      new QueryCommand({
        TableName: outputs.tables.audit,
        KeyConditionExpression: 'subject = :s',
        ExpressionAttributeValues: { ':s': `device#${device.serial}` },
      }),
    );
    const minted = (audit.Items ?? []).filter((i) => i.action === 'session.minted');
    expect(minted).toHaveLength(1);
    expect(minted[0]).toMatchObject({ actor: owner.sub });
  });
});
