import wrtc from '@roamhq/wrtc';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { GetThingShadowCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import {
  DescribeSignalingChannelCommand,
  GetSignalingChannelEndpointCommand,
  KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import type { SignalingClient } from 'amazon-kinesis-video-streams-webrtc';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprintOf } from '../../lambda/contract/fingerprints';
import type { PersistedState } from '../../device/agent/state';
import { localAgentConfig } from '../../local/live';
import { ADMIN, closeSignaling, installTrustingWebSocket, openSignaling, sdkConfig } from '../support/aws';
import { agent as httpsAgent, newDevice, outputs } from '../support/cloud';
import { allowViewer, eventually } from '../support/iot';
import { REPO_ROOT, TEST_STATE_DIR } from '../support/paths';

/**
 * DTLS fingerprint validation on the camera (design.md §4): the real device agent with the
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
    desired?: { viewers?: Record<string, string> };
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

const readState = (stateDir: string): PersistedState | undefined => {
  try {
    return JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as PersistedState;
  } catch {
    return undefined;
  }
};

async function shadow(): Promise<Shadow> {
  const got = await iotData.send(new GetThingShadowCommand({ thingName }));
  return JSON.parse(Buffer.from(got.payload!).toString('utf8')) as Shadow;
}

const allow = (clientId: string, fingerprint: string | null) => allowViewer(thingName, clientId, fingerprint);

/** A Node viewer: its offer (with its fingerprint) and its open signaling client. */
async function viewer(clientId: string): Promise<{
  pc: RTCPeerConnection;
  signaling: SignalingClient;
  fingerprint: string;
  offer: RTCSessionDescriptionInit;
}> {
  const pc = new wrtc.RTCPeerConnection({ iceServers: [] }) as RTCPeerConnection;
  peers.push(pc);
  pc.addTransceiver('video', { direction: 'recvonly' });
  await pc.setLocalDescription(await pc.createOffer());
  const offer = pc.localDescription!;
  const signaling = await openSignaling({
    channelARN,
    channelEndpoint: viewerEndpoint,
    credentials: ADMIN,
    clientId,
  });
  signaling.on(
    'iceCandidate',
    (candidate: RTCIceCandidateInit) => void pc.addIceCandidate(candidate).catch(() => undefined),
  );
  pc.onicecandidate = ({ candidate }) => {
    if (candidate) signaling.sendIceCandidate(candidate);
  };
  return { pc, signaling, fingerprint: fingerprintOf(offer.sdp!)!, offer };
}

/** A client id as sessions mint them. */
const newClientId = () => `viewer-${randomBytes(16).toString('base64url').slice(0, 22)}`;

/** The next SDP answer, or null if none comes within `ms`. */
function answerWithin(signaling: SignalingClient, ms: number): Promise<RTCSessionDescriptionInit | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    signaling.once('sdpAnswer', (answer: RTCSessionDescriptionInit) => {
      clearTimeout(timer);
      resolve(answer);
    });
  });
}

beforeAll(async () => {
  installTrustingWebSocket(readFileSync(outputs.caCertPath));
  ({ serial } = await newDevice());
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const stateDir = join(workDir, 'state');
  const configPath = join(workDir, 'agent.json');
  writeFileSync(
    configPath,
    JSON.stringify(localAgentConfig(outputs as Parameters<typeof localAgentConfig>[0], { serial, stateDir })),
  );
  camera = spawn(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      join(REPO_ROOT, 'device', 'agent', 'main.ts'),
      '--config',
      configPath,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, SIGHTLINE_AGENT_LOG: 'info' },
    },
  );
  camera.stdout!.on('data', (c: Buffer) => cameraOutput.push(c.toString()));
  camera.stderr!.on('data', (c: Buffer) => cameraOutput.push(c.toString()));
  await eventually(async () => readState(stateDir)?.phase === 'streaming', 60_000).catch((err: Error) => {
    throw new Error(`${err.message}: the camera did not stream\n${cameraOutput.join('').slice(-3000)}`);
  });
  thingName = readState(stateDir)!.thing!.thingName;
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
  if (camera?.pid) {
    const exited = new Promise((r) => camera.once('exit', r));
    try {
      process.kill(-camera.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    try {
      process.kill(-camera.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
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
  const again = await viewer(clientId);
  const second = answerWithin(again.signaling, 4000);
  again.signaling.sendSdpOffer(again.offer as RTCSessionDescription);
  expect(await second).toBeNull();
  expect(await refusalOf(clientId)).toMatchObject({
    clientId,
    fingerprint: again.fingerprint,
    reason: 'ended',
  });
});

/** The audit record of the camera's refusal of `clientId`, as its topic rule writes it. */
async function refusalOf(clientId: string): Promise<Record<string, unknown>> {
  const { ddb } = await import('../../lambda/core/clients');
  const record = await eventually(async () => {
    const items = (
      await ddb.send(
        new QueryCommand({
          TableName: outputs.tables.audit,
          KeyConditionExpression: 'subject = :s',
          ExpressionAttributeValues: { ':s': `device#${serial}` },
        }),
      )
    ).Items;
    return items?.find(
      (i) =>
        i.action === 'session.fingerprint_refused' &&
        (i.detail as { clientId?: string }).clientId === clientId,
    );
  }, 10_000).catch((err: Error) => {
    throw new Error(`${err.message}: no refusal recorded\n${cameraOutput.join('').slice(-3000)}`);
  });
  return record.detail as Record<string, unknown>;
}
