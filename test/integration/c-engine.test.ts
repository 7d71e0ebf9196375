import { GetThingShadowCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import {
  DescribeSignalingChannelCommand,
  GetSignalingChannelEndpointCommand,
  KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDtlsCertificate, fingerprintOfCertificate } from '../../device/agent/dtls-certificate';
import { kvsCSdkSpec } from '../../device/agent/engines';
import { fingerprintOf } from '../../lambda/contract/fingerprints';
import { ENGINE_BINARY, TEST_PATTERN_PIPELINE, localAgentConfig, type CameraOutputs } from '../../local/live';
import { ADMIN, closeSignaling, installTrustingWebSocket, sdkConfig } from '../support/aws';
import { enginePids, requireEngine } from '../support/c-engine';
import {
  answerWithin,
  collectLines,
  endProcessGroup,
  newClientId,
  nodeViewer,
  readAgentState,
  refusalOf,
  spawnAgent,
  type ViewerChannel,
} from '../support/camera-viewer';
import { agent as httpsAgent, newDevice, outputs } from '../support/cloud';
import { allowViewer, connect, eventually, provision, type ProvisionedDevice } from '../support/iot';
import { TEST_STATE_DIR } from '../support/paths';

/**
 * The camera media engine on the KVS WebRTC C SDK (device/engine/) against the local cloud's
 * AWS-shaped endpoints, without a browser: its viewer gate (docs/design.md §4) as a Node viewer meets
 * it, how it stops and how it fails as the device agent reports it, and the SDK's own stock master
 * sample, unmodified, on the same endpoints. CI builds the engine first (`npm run build:engine`).
 */

const workDir = join(TEST_STATE_DIR, 'c-engine');
const cameraOutputs = outputs as CameraOutputs;
const iotData = new IoTDataPlaneClient(sdkConfig(httpsAgent, ADMIN, outputs.awsEndpoints['iot-data-plane']!));
const kvs = new KinesisVideoClient(sdkConfig(httpsAgent, ADMIN, outputs.awsEndpoints.kinesisvideo!));

interface Shadow {
  state: {
    reported?: {
      streaming?: boolean;
      fingerprint?: string;
      fingerprints?: Record<string, string>;
      viewers?: string[];
    };
  };
}

async function reported(thingName: string): Promise<NonNullable<Shadow['state']['reported']>> {
  const got = await iotData.send(new GetThingShadowCommand({ thingName }));
  return (JSON.parse(Buffer.from(got.payload!).toString('utf8')) as Shadow).state.reported ?? {};
}

/** A device agent running the C engine, with its JSON log lines. */
interface Camera {
  serial: string;
  stateDir: string;
  process: ChildProcess;
  lines: string[];
  thingName: string;
}

const running: ChildProcess[] = [];

/**
 * Starts the real device agent (from source) with the C engine on a new device, restarting a
 * failed engine quickly, and waits for `until`.
 */
async function startCamera(
  name: string,
  until: 'streaming' | 'provisioned',
  engineOptions: Record<string, unknown> = {},
): Promise<Camera> {
  requireEngine();
  const { serial } = await newDevice();
  const dir = join(workDir, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const stateDir = join(dir, 'state');
  const config = localAgentConfig(cameraOutputs, {
    serial,
    stateDir,
    camera: { engine: 'kvs-c-sdk' },
    supervision: { initialDelayMs: 200, maxDelayMs: 2000, stableAfterMs: 60_000 },
  });
  Object.assign(config.engineOptions as Record<string, unknown>, engineOptions);
  const configPath = join(dir, 'agent.json');
  writeFileSync(configPath, JSON.stringify(config));
  const lines: string[] = [];
  const child = spawnAgent(configPath, lines);
  running.push(child);
  const state = await eventually(async () => {
    const s = readAgentState(stateDir);
    return s?.thing && (until === 'provisioned' || s.phase === 'streaming') ? s : undefined;
  }, 60_000).catch((err: Error) => {
    throw new Error(`${err.message}: the camera did not reach ${until}\n${lines.join('\n').slice(-3000)}`);
  });
  return { serial, stateDir, process: child, lines, thingName: state.thing!.thingName };
}

/** The agent's log entries with this message. */
function logged(camera: Camera, message: string): Record<string, unknown>[] {
  return camera.lines
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    })
    .filter((entry): entry is Record<string, unknown> => entry?.message === message);
}

/** The channel named after the thing, and its VIEWER endpoint (the cloud makes it on registration). */
async function viewerChannel(thingName: string): Promise<ViewerChannel> {
  const channelARN = await eventually(
    async () =>
      (await kvs.send(new DescribeSignalingChannelCommand({ ChannelName: thingName })).catch(() => undefined))
        ?.ChannelInfo?.ChannelARN,
  );
  const endpoints = await kvs.send(
    new GetSignalingChannelEndpointCommand({
      ChannelARN: channelARN,
      SingleMasterChannelEndpointConfiguration: { Protocols: ['WSS'], Role: 'VIEWER' },
    }),
  );
  return { channelARN, endpoint: endpoints.ResourceEndpointList![0]!.ResourceEndpoint! };
}

const peers: RTCPeerConnection[] = [];
const viewer = (channel: ViewerChannel, clientId: string) => nodeViewer(channel, clientId, peers);

/** A provisioned device's identity on disk, for what runs without the agent. */
async function provisionedDevice(
  name: string,
): Promise<ProvisionedDevice & { dir: string; certPath: string; keyPath: string }> {
  const device = await provision((await newDevice()).serial);
  // Its first connection under its thing name has the cloud make its signaling channel.
  const client = await connect(device, device.thingName);
  await viewerChannel(device.thingName);
  await client.endAsync();
  const dir = join(workDir, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const certPath = join(dir, 'device.cert.pem');
  const keyPath = join(dir, 'device.key.pem');
  writeFileSync(certPath, device.cert);
  writeFileSync(keyPath, device.key, { mode: 0o600 });
  return { ...device, dir, certPath, keyPath };
}

beforeAll(() => {
  installTrustingWebSocket(readFileSync(outputs.caCertPath));
  rmSync(workDir, { recursive: true, force: true });
});

afterAll(async () => {
  for (const pc of peers) pc.close();
  closeSignaling();
  await Promise.all(running.map(endProcessGroup));
  iotData.destroy();
  kvs.destroy();
});

describe('the C engine’s viewer gate', () => {
  let camera: Camera;
  let channel: ViewerChannel;
  beforeAll(async () => {
    camera = await startCamera('gate', 'streaming');
    channel = await viewerChannel(camera.thingName);
  }, 90_000);

  test('a viewer with valid credentials that published nothing gets no answer, and the refusal is audited', async () => {
    const clientId = newClientId();
    const v = await viewer(channel, clientId);
    const answered = answerWithin(v.signaling, 4000);
    v.signaling.sendSdpOffer(v.offer as RTCSessionDescription);
    expect(await answered).toBeNull();
    expect(await refusalOf(camera.serial, clientId, camera.lines)).toMatchObject({
      clientId,
      fingerprint: v.fingerprint,
      reason: 'unpublished',
    });
  });

  test('a vouched viewer is answered with the camera’s one fingerprint: the shadow’s, its DTLS certificate’s', async () => {
    const clientId = newClientId();
    const v = await viewer(channel, clientId);
    await allowViewer(camera.thingName, clientId, v.fingerprint);
    const answered = answerWithin(v.signaling, 10_000);
    v.signaling.sendSdpOffer(v.offer as RTCSessionDescription);
    const answer = await answered;
    expect(answer?.type).toBe('answer');
    const fingerprint = fingerprintOf(answer!.sdp!);
    expect(fingerprint).toMatch(/^sha-256 [0-9A-F]{2}(:[0-9A-F]{2}){31}$/);
    expect((await reported(camera.thingName)).fingerprint).toBe(fingerprint);
    expect(fingerprintOfCertificate(readFileSync(join(camera.stateDir, 'dtls.cert.pem'), 'utf8'))).toBe(
      fingerprint,
    );
  });
});

describe('the C engine’s expiry of viewers', () => {
  let camera: Camera;
  let channel: ViewerChannel;
  beforeAll(async () => {
    camera = await startCamera('expiry', 'streaming');
    channel = await viewerChannel(camera.thingName);
  }, 90_000);

  test('a viewer whose session expires is dropped, though the shadow still vouches for it', async () => {
    const clientId = newClientId();
    const v = await viewer(channel, clientId);
    // The entry outlives its session, as one nobody ended would.
    const expiresAt = Date.now() + 8000;
    await allowViewer(camera.thingName, clientId, v.fingerprint, expiresAt);
    const answered = answerWithin(v.signaling, 10_000);
    v.signaling.sendSdpOffer(v.offer as RTCSessionDescription);
    const answer = await answered;
    expect(answer?.type).toBe('answer');
    await v.pc.setRemoteDescription(answer!);
    await eventually(async () => (await reported(camera.thingName)).viewers?.includes(clientId), 15_000);
    expect(Date.now()).toBeLessThan(expiresAt);

    await eventually(async () => !(await reported(camera.thingName)).viewers?.includes(clientId), 15_000);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    await eventually(async () => v.pc.connectionState !== 'connected', 20_000);
  }, 60_000);
});

describe('the C engine’s stop and failures', () => {
  test('SIGTERM stops the engine within 2 s, with exit code 0', async () => {
    const device = await provisionedDevice('sigterm');
    const dtls = await ensureDtlsCertificate(device.dir);
    // Started as the agent starts it (engines.ts, supervisor.ts): its settings, and the IPC channel
    // it reports on, which it also closes itself when it stops.
    const spec = kvsCSdkSpec(
      {
        binary: requireEngine(),
        pipeline: TEST_PATTERN_PIPELINE,
        controlPlaneUrl: outputs.kinesisVideoControlPlane,
        ...(outputs.stunUrl ? { stunUrl: outputs.stunUrl } : {}),
        caPath: outputs.caCertPath,
        logLevel: 4,
        relayOnly: false,
      },
      {
        thingName: device.thingName,
        region: outputs.region,
        credentialsEndpoint: outputs.iot.credentialsEndpoint,
        roleAlias: outputs.iot.roleAlias,
        certPath: device.certPath,
        keyPath: device.keyPath,
        caPath: outputs.iot.caCertPath,
        dtls,
      },
    );
    expect(spec).toMatchObject({ ipc: true, stopSignal: 'SIGTERM' });
    const engine = spawn(spec.command, spec.args, {
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    });
    running.push(engine);
    const output: string[] = [];
    collectLines(engine, output);
    const streaming = new Promise<void>((resolve) =>
      engine.on('message', (m: { type?: string; value?: unknown }) => {
        if (m.type === 'streaming' && m.value === true) resolve();
      }),
    );
    await Promise.race([
      streaming,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`not streaming:\n${output.join('\n').slice(-3000)}`)), 30_000),
      ),
    ]);

    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      engine.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const stopped = Date.now();
    engine.kill('SIGTERM');
    const result = await Promise.race([
      exited,
      new Promise((resolve) => setTimeout(resolve, 5000, 'still running')),
    ]);
    const tookMs = Date.now() - stopped;
    expect({ exit: result, output: output.slice(-5) }).toMatchObject({ exit: { code: 0, signal: null } });
    expect(tookMs).toBeLessThan(2000);
    expect(enginePids(device.thingName)).toEqual([]);
  });

  /** The agent's account of an engine that cannot run: error lines, restarts with growing delays. */
  async function expectConfigFailure(camera: Camera, stage: string, error: RegExp): Promise<void> {
    // Three failed runs: each said why, and each restart waited no less than the one before.
    const stops = await eventually(async () => {
      const exits = logged(camera, 'the engine stopped; restarting').filter((e) => e.how === 'exit 78');
      return exits.length >= 3 && exits;
    }, 20_000).catch((err: Error) => {
      throw new Error(
        `${err.message}: the engine did not fail with 78 three times\n${camera.lines.join('\n').slice(-3000)}`,
      );
    });
    const delays = stops.slice(0, 3).map((e) => Number(e.restartInMs));
    expect(delays).toEqual([...delays].sort((a, b) => a - b));
    const errors = logged(camera, 'engine error');
    expect(errors.length).toBeGreaterThanOrEqual(3);
    expect(errors[0]).toMatchObject({
      level: 'error',
      component: 'agent',
      stage,
      error: expect.stringMatching(error),
    });
    // The agent itself runs on, and tells the cloud the camera is not streaming.
    expect(camera.process.exitCode).toBeNull();
    expect(camera.process.signalCode).toBeNull();
    expect(readAgentState(camera.stateDir)?.phase).toBe('provisioned');
    expect((await reported(camera.thingName)).streaming).toBe(false);
  }

  test('a pipeline that cannot work: the agent logs the engine error, reports not streaming and restarts it with backoff', async () => {
    const camera = await startCamera('bad-pipeline', 'provisioned', {
      pipeline: 'videotestsrc ! nosuchelement',
    });
    await expectConfigFailure(camera, 'media', /the pipeline is not valid: .*nosuchelement/);
  });

  test('an unreadable DTLS certificate: the agent logs the engine error, reports not streaming and restarts it with backoff', async () => {
    const camera = await startCamera('bad-certificate', 'streaming');
    // Its content, not its mode, is spoiled: file modes do not stop a test run as root.
    writeFileSync(join(camera.stateDir, 'dtls.cert.pem'), 'not a certificate\n');
    const [pid] = enginePids(camera.thingName);
    expect(pid).toBeDefined();
    process.kill(pid!, 'SIGKILL');
    await expectConfigFailure(camera, 'certificate', /dtls\.cert\.pem is not a PEM certificate/);
  });
});

test('the stock C SDK master sample, unmodified, connects to the local cloud’s signaling and gets its ICE servers', async () => {
  const sample = join(ENGINE_BINARY, '..', 'sdk', 'bin', 'kvsWebrtcClientMaster');
  requireEngine();
  const device = await provisionedDevice('stock-sample');
  const channel = await viewerChannel(device.thingName);
  // It looks for its sample frames before it connects, and reads them only to send to a viewer
  // whose connection is up; none comes up here, so files that merely exist will do.
  const cwd = join(device.dir, 'cwd');
  for (const [folder, file] of [
    ['h264SampleFrames', 'frame-0001.h264'],
    ['opusSampleFrames', 'sample-001.opus'],
  ] as const) {
    mkdirSync(join(cwd, folder), { recursive: true });
    writeFileSync(join(cwd, folder, file), Buffer.alloc(16));
  }
  const master = spawn(sample, [], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: {
      PATH: process.env.PATH,
      AWS_IOT_CORE_CREDENTIAL_ENDPOINT: outputs.iot.credentialsEndpoint,
      AWS_IOT_CORE_CERT: device.certPath,
      AWS_IOT_CORE_PRIVATE_KEY: device.keyPath,
      AWS_IOT_CORE_ROLE_ALIAS: outputs.iot.roleAlias,
      AWS_IOT_CORE_THING_NAME: device.thingName,
      AWS_DEFAULT_REGION: outputs.region,
      CONTROL_PLANE_URI: outputs.kinesisVideoControlPlane,
      AWS_KVS_CACERT_PATH: outputs.caCertPath,
      AWS_KVS_LOG_LEVEL: '3',
    },
  });
  running.push(master);
  const output: string[] = [];
  collectLines(master, output);
  const exited = new Promise<number | null>((resolve) => master.once('exit', (code) => resolve(code)));

  // The cloud gives a viewer's offer only to the master on the channel: the sample answers it, and
  // trickles a relay candidate, which it can have only from the TURN servers the ICE config named.
  const v = await viewer(channel, newClientId());
  const relay = new Promise<string>((resolve) =>
    v.signaling.on('iceCandidate', (candidate: RTCIceCandidateInit) => {
      if (/ typ relay /.test(candidate.candidate ?? '')) resolve(candidate.candidate!);
    }),
  );
  const answered = answerWithin(v.signaling, 20_000);
  v.signaling.sendSdpOffer(v.offer as RTCSessionDescription);
  const failure = (what: string) => new Error(`${what}:\n${output.join('\n').slice(-3000)}`);
  if ((await answered)?.type !== 'answer') throw failure('the sample did not answer');
  await Promise.race([
    relay,
    new Promise((_, reject) => setTimeout(() => reject(failure('no relay candidate')), 10_000)),
  ]);

  // SIGINT is its own way to stop; it then prints its signaling metrics (its stdout, a pipe here,
  // is flushed at exit), the ICE config call among them.
  master.kill('SIGINT');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  expect(output.find((line) => line.includes(`Channel ${device.thingName} set up done`))).toBeDefined();
  expect(output.find((line) => line.includes('[Signaling Get ICE config]'))).toMatch(
    /\[Signaling Get ICE config\] \d+ ms/,
  );
  expect(output.find((line) => line.includes('[Signaling Connect]'))).toMatch(/\[Signaling Connect\] \d+ ms/);
  await endProcessGroup(master);
});
