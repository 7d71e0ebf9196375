import { GetThingShadowCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import {
  DescribeSignalingChannelCommand,
  GetSignalingChannelEndpointCommand,
  KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprintOf, type VouchedViewer } from '../../lambda/contract/fingerprints';
import { ADMIN, closeSignaling, installTrustingWebSocket, sdkConfig } from '../support/aws';
import {
  answerWithin,
  endProcessGroup,
  newClientId,
  nodeViewer,
  refusalOf as refusalRecord,
  startAgentCamera,
} from '../support/camera-viewer';
import { agent as httpsAgent, newDevice, outputs } from '../support/cloud';
import { allowViewer, eventually } from '../support/iot';
import { TEST_STATE_DIR } from '../support/paths';

/**
 * DTLS fingerprint validation on the camera (docs/design.md §4): the real device agent with the
 * simulated engine answers a viewer only when the viewer's offer carries the fingerprint the
 * cloud wrote in `desired.viewers` for it, and reports its own connection's fingerprint in
 * `reported.fingerprints` before the answer goes out. A viewer with valid signaling credentials
 * whose fingerprint the cloud does not hold gets no answer, and the refusal reaches the cloud
 * through the thing's refusal topic (its topic rule writes the audit record read here).
 */

const workDir = join(TEST_STATE_DIR, 'camera-fingerprints');
const iotData = new IoTDataPlaneClient(sdkConfig(httpsAgent, ADMIN, outputs.awsEndpoints['iot-data-plane']!));
const kvs = new KinesisVideoClient(sdkConfig(httpsAgent, ADMIN, outputs.awsEndpoints.kinesisvideo!));

interface Shadow {
  state: {
    desired?: { viewers?: Record<string, VouchedViewer> };
    reported?: { fingerprints?: Record<string, string>; viewers?: string[] };
  };
}

let camera: ChildProcess;
const cameraOutput: string[] = [];
let serial: string;
let thingName: string;
let channelARN: string;
let viewerEndpoint: string;
const peers: RTCPeerConnection[] = [];

async function shadow(): Promise<Shadow> {
  const got = await iotData.send(new GetThingShadowCommand({ thingName }));
  return JSON.parse(Buffer.from(got.payload!).toString('utf8')) as Shadow;
}

const allow = (clientId: string, fingerprint: string | null, expiresAt?: number) =>
  allowViewer(thingName, clientId, fingerprint, expiresAt);

/** A Node viewer on the camera's channel, its offer not yet sent. */
const viewer = (clientId: string) => nodeViewer({ channelARN, endpoint: viewerEndpoint }, clientId, peers);

beforeAll(async () => {
  installTrustingWebSocket(readFileSync(outputs.caCertPath));
  ({ serial } = await newDevice());
  ({ camera, thingName } = await startAgentCamera(workDir, serial, cameraOutput));
  channelARN = (await kvs.send(new DescribeSignalingChannelCommand({ ChannelName: thingName }))).ChannelInfo!
    .ChannelARN!;
  const endpoints = await kvs.send(
    new GetSignalingChannelEndpointCommand({
      ChannelARN: channelARN,
      SingleMasterChannelEndpointConfiguration: { Protocols: ['WSS'], Role: 'VIEWER' },
    }),
  );
  viewerEndpoint = endpoints.ResourceEndpointList![0]!.ResourceEndpoint!;
}, 90_000);

afterAll(async () => {
  for (const pc of peers) pc.close();
  closeSignaling();
  if (camera) await endProcessGroup(camera);
  iotData.destroy();
  kvs.destroy();
});

test('a viewer the cloud vouches for is answered, with the camera fingerprint reported before the answer', async () => {
  const clientId = newClientId();
  const v = await viewer(clientId);
  await allow(clientId, v.fingerprint);

  const answered = answerWithin(v.signaling, 10_000);
  v.signaling.sendSdpOffer(v.offer as RTCSessionDescription);
  const answer = await answered;
  expect(answer?.type).toBe('answer');
  // Read at once: the camera waited for the shadow service to accept it before answering.
  const reported = (await shadow()).state.reported;
  expect(reported?.fingerprints?.[clientId]).toBe(fingerprintOf(answer!.sdp!));

  await v.pc.setRemoteDescription(answer!);
  await eventually(async () => v.pc.connectionState === 'connected', 15_000);
  await eventually(async () => (await shadow()).state.reported?.viewers?.includes(clientId), 10_000);

  // The session ends: the camera drops the connection and says so.
  await allow(clientId, null);
  await eventually(async () => {
    const r = (await shadow()).state.reported;
    return !r?.viewers?.includes(clientId) && r?.fingerprints?.[clientId] === undefined;
  }, 10_000);
});

test('a viewer whose fingerprint the cloud does not hold gets no answer, and the refusal is published', async () => {
  const clientId = newClientId();
  const v = await viewer(clientId);
  // Another fingerprint is published for this client id: the offer's is not the one vouched for.
  const other = `sha-256 ${Array.from({ length: 32 }, () => 'AB').join(':')}`;
  await allow(clientId, other);

  const answered = answerWithin(v.signaling, 4000);
  v.signaling.sendSdpOffer(v.offer as RTCSessionDescription);
  expect(await answered).toBeNull();
  expect((await shadow()).state.reported?.fingerprints?.[clientId]).toBeUndefined();

  // The thing's refusal topic feeds the refusal rule, which records it for the device.
  expect(await refusalOf(clientId)).toMatchObject({
    clientId,
    fingerprint: v.fingerprint,
    reason: 'unpublished',
  });
});

test('a viewer whose session ended is refused when it offers again', async () => {
  const clientId = newClientId();
  const first = await viewer(clientId);
  await allow(clientId, first.fingerprint);
  const answered = answerWithin(first.signaling, 10_000);
  first.signaling.sendSdpOffer(first.offer as RTCSessionDescription);
  expect((await answered)?.type).toBe('answer');

  await allow(clientId, null);
  await expectRefusedAsEnded(clientId);
});

test('a viewer whose session expired is dropped, and then refused, though the shadow still lists it', async () => {
  const clientId = newClientId();
  const v = await viewer(clientId);
  // A session about to expire: the entry stays in the shadow after it, as one nobody ended would.
  const expiresAt = Date.now() + 6000;
  await allow(clientId, v.fingerprint, expiresAt);
  const answered = answerWithin(v.signaling, 10_000);
  v.signaling.sendSdpOffer(v.offer as RTCSessionDescription);
  const answer = await answered;
  expect(answer?.type).toBe('answer');
  await v.pc.setRemoteDescription(answer!);
  await eventually(async () => (await shadow()).state.reported?.viewers?.includes(clientId), 10_000);
  expect(Date.now()).toBeLessThan(expiresAt);

  await eventually(async () => !(await shadow()).state.reported?.viewers?.includes(clientId), 15_000);
  expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
  expect((await shadow()).state.desired?.viewers?.[clientId]).toEqual({
    fingerprint: v.fingerprint,
    expiresAt,
  });
  await eventually(async () => v.pc.connectionState !== 'connected', 15_000);

  // Even vouched for with its new fingerprint, an expired session gets no answer.
  await expectRefusedAsEnded(clientId, expiresAt);
}, 60_000);

/**
 * A new offer from `clientId` (its fingerprint written to the shadow with `expiresAt`, if given)
 * gets no answer, and the camera's refusal says the viewer's session is over.
 */
async function expectRefusedAsEnded(clientId: string, expiresAt?: number): Promise<void> {
  const again = await viewer(clientId);
  if (expiresAt !== undefined) await allow(clientId, again.fingerprint, expiresAt);
  const answered = answerWithin(again.signaling, 4000);
  again.signaling.sendSdpOffer(again.offer as RTCSessionDescription);
  expect(await answered).toBeNull();
  expect(await refusalOf(clientId)).toMatchObject({
    clientId,
    fingerprint: again.fingerprint,
    reason: 'ended',
  });
}

/** The audit record of the camera's refusal of `clientId`, as its topic rule writes it. */
const refusalOf = (clientId: string) => refusalRecord(serial, clientId, cameraOutput);
