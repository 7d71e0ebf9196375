import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { PersistedState } from '../../device/agent/state';
import { ENGINE_BINARY, startDemoDevice, type CameraOutputs, type LocalCamera } from '../../local/live';
import { bindOnPage, chromiumForSuite, phonePage, sampleVideo, signIn } from '../support/browser';
import { newDevice, newUser, outputs } from '../support/cloud';
import { eventually } from '../support/iot';
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
  if (!existsSync(ENGINE_BINARY)) throw new Error(`${ENGINE_BINARY} is missing: run npm run build:engine`);
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

afterAll(async () => {
  await Promise.all(cameras.map(stopCamera));
});

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

/** Chromium's peer connections, kept where the test can read their stats. */
const KEEP_PEER_CONNECTIONS = `(() => {
  const Native = window.RTCPeerConnection;
  const kept = (window.__sightlinePeerConnections = []);
  window.RTCPeerConnection = function (...args) { const pc = new Native(...args); kept.push(pc); return pc; };
  window.RTCPeerConnection.prototype = Native.prototype;
  Object.setPrototypeOf(window.RTCPeerConnection, Native);
})();`;

/** Watches the camera as its owner and returns once frames are decoded. */
async function watch(camera: Camera) {
  const owner = await newUser();
  const { page, problems, context } = await phonePage(browser(), outputs.webUrl);
  await context.addInitScript(KEEP_PEER_CONNECTIONS);
  await signIn(page, outputs.webUrl, owner);
  const row = await bindOnPage(page, camera.device);
  await row.getByTestId('watch').click();
  // "live" is shown only once the answer's fingerprint is the one the camera reported.
  await row.locator('[data-testid=live-state][data-state=live]').waitFor({ timeout: 30_000 });
  // The first decoded frame gives the element its size.
  await page.waitForFunction(
    () => (document.querySelector<HTMLVideoElement>('[data-testid=live-video]')?.videoWidth ?? 0) > 0,
    undefined,
    { timeout: 15_000 },
  );
  const first = await sampleVideo(page, 'live-video');
  await page.waitForTimeout(1500);
  const later = await sampleVideo(page, 'live-video');
  return { page, problems, context, row, first, later };
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
    expect(await selectedPath(page)).toEqual({ local: 'host', remote: expect.stringMatching(/host|prflx/) });
    expect(problems).toEqual([]);
    await context.close();
  });

  test('relay only: the camera uses the local TURN server and the picture still comes', async () => {
    const camera = await startCamera('relay', { engine: 'kvs-c-sdk', relayOnly: true });
    const { page, context, first, later } = await watch(camera);
    expect(later.hash).not.toBe(first.hash);
    const path = await selectedPath(page);
    expect(path?.remote).toBe('relay');
    await context.close();
  });
});
