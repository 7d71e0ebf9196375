import {
  DescribeSignalingChannelCommand,
  GetSignalingChannelEndpointCommand,
  KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { fingerprintOfCertificate } from '../../device/agent/dtls-certificate';
import type { PersistedState } from '../../device/agent/state';
import { startSimulatedCamera, type SimulatedCamera } from '../../device/engines/simulated-camera';
import {
  startDemoDevice,
  TEST_PATTERN_PIPELINE,
  type CameraOutputs,
  type LocalCamera,
} from '../../local/live';
import { installTrustingWebSocket, sdkConfig } from '../support/aws';
import { bindOnPage, chromiumForSuite, phonePage, sampleVideo, signIn } from '../support/browser';
import { enginePids, requireEngine } from '../support/c-engine';
import { deviceAudit } from '../support/camera-viewer';
import { agent as httpsAgent, newDevice, newUser, outputs } from '../support/cloud';
import { eventually, fetchCredentials } from '../support/iot';
import { TEST_STATE_DIR } from '../support/paths';

/**
 * The product's core journey on the camera it is for: the device agent driving our media engine
 * on the unmodified KVS WebRTC C SDK (device/engine/), against the local cloud's AWS-shaped
 * endpoints, watched by the owner in Chromium. CI builds the engine first (`npm run build:engine`).
 */

interface Camera {
  device: { serial: string; secret: string };
  process: ChildProcess;
  log: string[];
  stateDir: string;
}

const cameras: Camera[] = [];

function agentState(camera: Camera): PersistedState | undefined {
  try {
    return JSON.parse(
      readFileSync(join(camera.stateDir, 'demo-device', 'state', 'state.json'), 'utf8'),
    ) as PersistedState;
  } catch {
    return undefined;
  }
}

async function startCamera(name: string, camera: LocalCamera): Promise<Camera> {
  requireEngine();
  const device = await newDevice();
  const stateDir = join(TEST_STATE_DIR, `c-engine-${name}`);
  const log: string[] = [];
  const process = startDemoDevice(
    { outputs: outputs as CameraOutputs, stateDir, persist: false, camera },
    device.serial,
    (line) => log.push(line),
  );
  const started: Camera = { device, process, log, stateDir };
  cameras.push(started);
  await eventually(async () => agentState(started)?.phase === 'streaming', 60_000).catch((err: Error) => {
    throw new Error(`${err.message}: the C engine camera did not stream\n${log.join('\n').slice(-3000)}`);
  });
  return started;
}

async function stopCamera(camera: Camera): Promise<void> {
  if (camera.process.exitCode !== null) return;
  const exited = new Promise((resolve) => camera.process.once('exit', resolve));
  camera.process.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
  if (camera.process.exitCode === null) camera.process.kill('SIGKILL');
}

let rogue: SimulatedCamera | undefined;

afterAll(async () => {
  await rogue?.stop();
  await Promise.all(cameras.map(stopCamera));
});

/** The camera's thing name, which names its signaling channel. */
const thingOf = (camera: Camera) => agentState(camera)!.thing!.thingName;

/** The selected candidate pair of the page's live connection, as its stats report it. */
function selectedPath(page: Page) {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __sightlinePeerConnections?: RTCPeerConnection[] })
      .__sightlinePeerConnections;
    if (!pcs?.length) return undefined;
    const stats = await pcs[pcs.length - 1]!.getStats();
    const byId = new Map<string, Record<string, unknown>>();
    stats.forEach((s: Record<string, unknown>) => byId.set(String(s.id), s));
    for (const s of byId.values()) {
      if (s.type !== 'transport' || !s.selectedCandidatePairId) continue;
      const pair = byId.get(String(s.selectedCandidatePairId));
      const local = byId.get(String(pair?.localCandidateId));
      const remote = byId.get(String(pair?.remoteCandidateId));
      return { local: String(local?.candidateType), remote: String(remote?.candidateType) };
    }
    return undefined;
  });
}

/** The selected pair once `settled` holds, or as it is after 10 s. */
async function settledPath(page: Page, settled: (path: Awaited<ReturnType<typeof selectedPath>>) => boolean) {
  const until = Date.now() + 10_000;
  let path = await selectedPath(page);
  while (!settled(path) && Date.now() < until) {
    await page.waitForTimeout(250);
    path = await selectedPath(page);
  }
  return path;
}

/** Chromium's peer connections, kept where the test can read their stats. */
const KEEP_PEER_CONNECTIONS = `(() => {
  const Native = window.RTCPeerConnection;
  const kept = (window.__sightlinePeerConnections = []);
  window.RTCPeerConnection = function (...args) { const pc = new Native(...args); kept.push(pc); return pc; };
  window.RTCPeerConnection.prototype = Native.prototype;
  Object.setPrototypeOf(window.RTCPeerConnection, Native);
})();`;

/** Opens the camera's live view as its owner (a new one, who binds it first). */
async function openLive(camera: Camera) {
  const owner = await newUser();
  const { page, problems, context } = await phonePage(browser(), outputs.webUrl);
  await context.addInitScript(KEEP_PEER_CONNECTIONS);
  await signIn(page, outputs.webUrl, owner);
  const row = await bindOnPage(page, camera.device);
  await row.getByTestId('watch').click();
  return { page, problems, context, row };
}

/** Waits for "live" and the first decoded frame, and samples the picture 1.5 s apart. */
async function liveFrames(page: Page) {
  // "live" is shown only once the answer's fingerprint is the one the camera reported.
  await page.locator('[data-testid=live-state][data-state=live]').waitFor({ timeout: 30_000 });
  // The first decoded frame gives the element its size.
  await page.waitForFunction(
    () => (document.querySelector<HTMLVideoElement>('[data-testid=live-video]')?.videoWidth ?? 0) > 0,
    undefined,
    { timeout: 15_000 },
  );
  const first = await sampleVideo(page, 'live-video');
  await page.waitForTimeout(1500);
  const later = await sampleVideo(page, 'live-video');
  return { first, later };
}

/** Watches the camera as its owner and returns once frames are decoded. */
async function watch(camera: Camera) {
  const opened = await openLive(camera);
  return { ...opened, ...(await liveFrames(opened.page)) };
}

// The C SDK cannot resolve the mDNS names Chromium hides its host addresses behind, so the direct
// path here needs the real address; on real networks the server-reflexive candidate carries it.
const browser = chromiumForSuite([
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
]);

describe('a camera on the KVS WebRTC C SDK, watched in Chromium', () => {
  test('the owner binds and watches: frames decode, the fingerprint is verified, the path is direct', async () => {
    const camera = await startCamera('direct', { engine: 'kvs-c-sdk' });
    // The camera reported its one long-lived fingerprint, the one its DTLS certificate has.
    const state = agentState(camera)!;
    expect(state.phase).toBe('streaming');
    const { page, problems, context, first, later } = await watch(camera);
    expect(first.width).toBe(640);
    expect(later.time).toBeGreaterThan(first.time);
    expect(later.hash).not.toBe(first.hash);
    // Chromium may nominate a relayed pair whose checks answer first and move to the direct one
    // once its checks succeed: the path the connection settles on is what counts.
    expect(await settledPath(page, (p) => p?.local === 'host')).toEqual({
      local: 'host',
      remote: expect.stringMatching(/host|prflx/),
    });
    expect(problems).toEqual([]);
    await context.close();
  });

  test('a new viewer gets a keyframe at once, not at the encoder’s next scheduled one (20 s apart here)', async () => {
    const camera = await startCamera('keyframe', {
      engine: 'kvs-c-sdk',
      pipeline: TEST_PATTERN_PIPELINE.replace('key-int-max=15', 'key-int-max=300'),
    });
    const { page, context } = await openLive(camera);
    await page.locator('[data-testid=live-state][data-state=live]').waitFor({ timeout: 30_000 });
    const live = Date.now();
    await page.waitForFunction(
      () => (document.querySelector<HTMLVideoElement>('[data-testid=live-video]')?.videoWidth ?? 0) > 0,
      undefined,
      { timeout: 25_000 },
    );
    expect(Date.now() - live).toBeLessThan(1500);
    await context.close();
  }, 90_000);

  test('relay only: the camera uses the local TURN server and the picture still comes', async () => {
    const camera = await startCamera('relay', { engine: 'kvs-c-sdk', relayOnly: true });
    const { page, context, first, later } = await watch(camera);
    expect(later.hash).not.toBe(first.hash);
    const path = await selectedPath(page);
    expect(path?.remote).toBe('relay');
    await context.close();
  });

  test('a rogue master with valid credentials on the camera’s channel is refused by the owner’s viewer: no video', async () => {
    const camera = await startCamera('rogue', { engine: 'kvs-c-sdk' });
    const thingName = thingOf(camera);
    // The real camera stops (its agent, as systemd stops it), engine and all.
    await stopCamera(camera);
    expect(camera.process.exitCode).toBe(0);
    await eventually(async () => enginePids(thingName).length === 0, 5000);

    // Whoever holds a copy of the camera's certificate and key gets valid MASTER credentials for its
    // channel from the credentials provider, and answers on it: a master that publishes nothing
    // and answers any offer (a simulated camera with no viewer gate, in this process).
    const deviceDir = join(camera.stateDir, 'demo-device', 'state');
    const identity = {
      cert: readFileSync(join(deviceDir, 'device.cert.pem'), 'utf8'),
      key: readFileSync(join(deviceDir, 'device.key.pem'), 'utf8'),
    };
    const issued = await fetchCredentials(identity, thingName);
    expect(issued.status).toBe(200);
    const credentials = issued.body.credentials as {
      accessKeyId: string;
      secretAccessKey: string;
      sessionToken: string;
      expiration: string;
    };
    const { accessKeyId, secretAccessKey, sessionToken } = credentials;
    const kvs = new KinesisVideoClient(
      sdkConfig(
        httpsAgent,
        { accessKeyId, secretAccessKey, sessionToken },
        outputs.awsEndpoints.kinesisvideo!,
      ),
    );
    const channelArn = (await kvs.send(new DescribeSignalingChannelCommand({ ChannelName: thingName })))
      .ChannelInfo!.ChannelARN!;
    const endpoints = await kvs.send(
      new GetSignalingChannelEndpointCommand({
        ChannelARN: channelArn,
        SingleMasterChannelEndpointConfiguration: { Protocols: ['WSS', 'HTTPS'], Role: 'MASTER' },
      }),
    );
    kvs.destroy();
    const endpoint = (protocol: string) =>
      endpoints.ResourceEndpointList!.find((e) => e.Protocol === protocol)!.ResourceEndpoint!;
    installTrustingWebSocket(readFileSync(outputs.caCertPath));
    let opened: () => void = () => undefined;
    const signalingOpen = new Promise<void>((resolve) => (opened = resolve));
    rogue = await startSimulatedCamera({
      session: () =>
        Promise.resolve({
          channelArn,
          region: outputs.region,
          credentials,
          endpoints: { wss: endpoint('WSS'), https: endpoint('HTTPS') },
          iceServers: [],
        }),
      onSignaling: (open) => open && opened(),
    });
    await signalingOpen;

    // The owner presses Watch live: the answer's fingerprint is not the camera's, so it is refused.
    const { page, problems, context } = await openLive(camera);
    const error = page.locator('[data-testid=live-error][data-reason=refused]');
    await error.waitFor({ timeout: 30_000 });
    expect(await error.innerText()).toMatch(/did not come from your camera/i);
    expect(await page.getByTestId('live-state').getAttribute('data-state')).toBe('refused');
    // No video was shown: nothing was put on the element, no frame ever played.
    const video = await page.evaluate(() => {
      const v = document.querySelector<HTMLVideoElement>('[data-testid=live-video]');
      return { hasStream: v?.srcObject != null, width: v?.videoWidth ?? 0, time: v?.currentTime ?? 0 };
    });
    expect(video).toEqual({ hasStream: false, width: 0, time: 0 });

    // The mismatch is audited against the camera, with the fingerprint the camera reported.
    const reported = readFileSync(join(deviceDir, 'dtls.cert.pem'), 'utf8');
    const mismatch = await deviceAudit(
      camera.device.serial,
      (i) => i.action === 'session.fingerprint_mismatch',
      camera.log,
    );
    const published = fingerprintOfCertificate(reported);
    expect(mismatch.detail).toMatchObject({ published, observed: expect.stringMatching(/^sha-256 /) });
    expect((mismatch.detail as { observed: string }).observed).not.toBe(published);
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  test('SIGKILL of the engine while streaming: the agent restarts it and the viewer reconnects by itself', async () => {
    const camera = await startCamera('sigkill', { engine: 'kvs-c-sdk' });
    const thingName = thingOf(camera);
    const { page, context } = await watch(camera);
    const connections = () =>
      page.evaluate(
        () =>
          (window as unknown as { __sightlinePeerConnections: RTCPeerConnection[] })
            .__sightlinePeerConnections.length,
      );
    const before = await connections();
    const [pid] = enginePids(thingName);
    expect(pid).toBeDefined();
    const killed = Date.now();
    process.kill(pid!, 'SIGKILL');

    // The supervisor starts another engine on the channel.
    await eventually(async () => {
      const pids = enginePids(thingName);
      return pids.length === 1 && pids[0] !== pid;
    }, 10_000);
    // The viewer sees the picture stop, connects again on its own, and frames decode again.
    await page.locator('[data-testid=live-state]:not([data-state=live])').waitFor({ timeout: 30_000 });
    const { first, later } = await liveFrames(page);
    const back = Date.now() - killed;
    expect(await connections()).toBeGreaterThan(before);
    expect(later.time).toBeGreaterThan(first.time);
    expect(later.hash).not.toBe(first.hash);
    expect(back).toBeLessThan(30_000);
    await context.close();
  }, 90_000);
});
