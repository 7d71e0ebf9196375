import { GetThingShadowCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VouchedViewer } from '../../lambda/contract/fingerprints';
import type { Session, ViewersResponse } from '../../lambda/contract/types';
import { ddb } from '../../lambda/core/clients';
import { ADMIN, closeSignaling, installTrustingWebSocket, sdkConfig } from '../support/aws';
import {
  answerWithin,
  endProcessGroup,
  nodeViewer,
  refusalOf,
  startAgentCamera,
} from '../support/camera-viewer';
import {
  agent as httpsAgent,
  api,
  auditTrail,
  newDevice,
  newUser,
  outputs,
  type TestUser,
  mintBody,
} from '../support/cloud';
import { eventually } from '../support/iot';
import { TEST_STATE_DIR } from '../support/paths';
import { expectProblem } from '../support/problems';

/**
 * The attack: a camera's owner watches it, unbinds it and sells it; the buyer binds it. The
 * seller's connection, made with a session minted while they owned it, must not outlive the sale:
 * unbinding ends the session and the camera's shadow stops vouching for it, so the camera (the
 * real device agent, simulated engine) drops the connection and refuses its next offer, though
 * its signaling credentials are still valid. The buyer's "who is watching" shows nothing of the
 * seller (email, address, browser).
 */

const workDir = join(TEST_STATE_DIR, 'camera-transfer');
const iotData = new IoTDataPlaneClient(sdkConfig(httpsAgent, ADMIN, outputs.awsEndpoints['iot-data-plane']!));

interface Shadow {
  state: {
    desired?: { viewers?: Record<string, VouchedViewer> };
    reported?: { viewers?: string[] };
  };
}

let camera: ChildProcess;
const cameraOutput: string[] = [];
let device: { serial: string; secret: string };
/** What binding sends: the label. */
const label = () => ({ serial: device.serial, secret: device.secret });
let thingName: string;
const peers: RTCPeerConnection[] = [];

async function shadow(): Promise<Shadow> {
  const got = await iotData.send(new GetThingShadowCommand({ thingName }));
  return JSON.parse(Buffer.from(got.payload!).toString('utf8')) as Shadow;
}

beforeAll(async () => {
  installTrustingWebSocket(readFileSync(outputs.caCertPath));
  device = await newDevice();
  ({ camera, thingName } = await startAgentCamera(workDir, device.serial, cameraOutput));
}, 90_000);

afterAll(async () => {
  for (const pc of peers) pc.close();
  closeSignaling();
  if (camera) await endProcessGroup(camera);
  iotData.destroy();
});

/** The owner's viewer: a minted session, its fingerprint published, its offer answered, connected. */
async function watch(owner: TestUser) {
  const minted = await api('createDeviceSession', {
    body: mintBody(),
    token: owner.idToken,
    params: { deviceId: device.serial },
  });
  expect(minted.status).toBe(201);
  const session = minted.json() as Session;
  const clientId = session.clientId!;
  const channel = { channelARN: session.channelArn, endpoint: session.endpoints.wss };
  const v = await nodeViewer(channel, clientId, peers, session.credentials);
  const published = await api('publishDeviceSessionFingerprint', {
    token: owner.idToken,
    params: { deviceId: device.serial, clientId },
    body: { fingerprint: v.fingerprint },
  });
  expect(published.status).toBe(200);
  const answered = answerWithin(v.signaling, 10_000);
  v.signaling.sendSdpOffer(v.offer as RTCSessionDescription);
  const answer = await answered;
  expect(answer?.type).toBe('answer');
  await v.pc.setRemoteDescription(answer!);
  await eventually(async () => v.pc.connectionState === 'connected', 15_000);
  await eventually(async () => (await shadow()).state.reported?.viewers?.includes(clientId), 10_000);
  return { session, clientId, channel, viewer: v };
}

test("a seller's viewer is cut off when the camera changes hands, and the buyer sees nothing of the seller", async () => {
  const seller = await newUser();
  const buyer = await newUser();
  expect((await api('bindDevice', { token: seller.idToken, body: label() })).status).toBe(201);
  const watching = await watch(seller);
  const { clientId } = watching;

  expect(
    (await api('unbindDevice', { token: seller.idToken, params: { deviceId: device.serial } })).status,
  ).toBe(204);
  expect((await api('bindDevice', { token: buyer.idToken, body: label() })).status).toBe(201);

  // The session ended with the unbinding, by the seller, in the same transaction.
  const record = await ddb.send(
    new GetCommand({
      TableName: outputs.tables.sessions,
      Key: { subject: `device#${device.serial}`, clientId },
      ConsistentRead: true,
    }),
  );
  expect(record.Item).toMatchObject({ endedBy: seller.sub, endedAt: expect.any(String) });
  const unbound = (await auditTrail(`device#${device.serial}`)).filter((a) => a.action === 'device.unbound');
  expect(unbound).toEqual([expect.objectContaining({ actor: seller.sub, detail: { sessionsEnded: 1 } })]);

  // The shadow vouches for nobody, and the camera dropped the seller's connection.
  expect((await shadow()).state.desired?.viewers ?? {}).toEqual({});
  await eventually(async () => !(await shadow()).state.reported?.viewers?.includes(clientId), 10_000);
  await eventually(async () => watching.viewer.pc.connectionState !== 'connected', 20_000);

  // The seller's credentials still sign in to the channel, but the camera refuses them, and the
  // session can vouch for nothing any more.
  const again = await nodeViewer(watching.channel, clientId, peers, watching.session.credentials);
  expectProblem(
    await api('publishDeviceSessionFingerprint', {
      token: seller.idToken,
      params: { deviceId: device.serial, clientId },
      body: { fingerprint: again.fingerprint },
    }),
    404,
    'NOT_FOUND',
  );
  const refused = answerWithin(again.signaling, 4000);
  again.signaling.sendSdpOffer(again.offer as RTCSessionDescription);
  expect(await refused).toBeNull();
  expect(await refusalOf(device.serial, clientId, cameraOutput)).toMatchObject({ clientId, reason: 'ended' });

  // The buyer's "who is watching": none of the seller's sessions, nor who they were.
  const listed = await api('listDeviceViewers', {
    token: buyer.idToken,
    params: { deviceId: device.serial },
  });
  expect(listed.status).toBe(200);
  const viewers = listed.json() as ViewersResponse;
  expect(viewers.sessions).toEqual([]);
  expect(listed.text).not.toContain(seller.username);

  // The buyer watches as usual, and sees only their own session.
  const buyers = await watch(buyer);
  const mine = (
    await api('listDeviceViewers', { token: buyer.idToken, params: { deviceId: device.serial } })
  ).json() as ViewersResponse;
  expect(mine.sessions.map((s) => [s.clientId, s.you])).toEqual([[buyers.clientId, true]]);
}, 90_000);
