import { GetThingShadowCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import type { LocalOutputs } from '../../lambda/contract/types';
import { ADMIN, sdkConfig } from '../support/aws';
import { bindOnPage, chromiumForSuite, phonePage, signIn } from '../support/browser';
import { eventually } from '../support/iot';
import { TEST_STATE_DIR } from '../support/paths';
import { startCloud, stopCloud } from '../support/start-cloud';

/**
 * A cloud of this file's own, kept on disk as `npm start` keeps it: its demo camera streams, a
 * viewer allowed only TURN relays watches it, and after a stop and a start on the same folder the
 * same camera, with the certificate it got the first time, streams again on the same endpoints.
 */

const STATE = `${TEST_STATE_DIR}-restart`;
let cloud: ChildProcess | undefined;

const readOutputs = () => JSON.parse(readFileSync(`${STATE}/outputs.json`, 'utf8')) as LocalOutputs;

/** The demo camera's `reported.streaming`, read through the IoT data plane as an admin. */
async function streaming(outputs: LocalOutputs): Promise<boolean> {
  const agent = new Agent({ ca: readFileSync(outputs.caCertPath) });
  const iotData = new IoTDataPlaneClient(sdkConfig(agent, ADMIN, outputs.awsEndpoints['iot-data-plane']!));
  try {
    const shadow = await iotData.send(
      new GetThingShadowCommand({ thingName: outputs.demo.devices[0]!.serial }),
    );
    const doc = JSON.parse(Buffer.from(shadow.payload!).toString('utf8')) as {
      state?: { reported?: { streaming?: boolean } };
    };
    return doc.state?.reported?.streaming === true;
  } catch {
    return false;
  } finally {
    iotData.destroy();
    agent.destroy();
  }
}

/** Makes every RTCPeerConnection of the page relay-only, and keeps them for their stats. */
function forceRelay(): void {
  const Native = window.RTCPeerConnection;
  const made: RTCPeerConnection[] = [];
  (window as unknown as { peerConnections: RTCPeerConnection[] }).peerConnections = made;
  window.RTCPeerConnection = class extends Native {
    constructor(config?: RTCConfiguration) {
      super({ ...config, iceTransportPolicy: 'relay' });
      made.push(this);
    }
  };
}

/** The candidate types of the selected pair of each connected peer connection on the page. */
function selectedPairTypes(): Promise<string[][]> {
  const made = (window as unknown as { peerConnections: RTCPeerConnection[] }).peerConnections;
  return Promise.all(
    made
      .filter((pc) => pc.connectionState === 'connected')
      .map(async (pc) => {
        const stats = new Map<string, Record<string, unknown>>();
        (await pc.getStats()).forEach((s: Record<string, unknown>) => stats.set(String(s.id), s));
        const transport = [...stats.values()].find((s) => s.type === 'transport');
        const pair = stats.get(String(transport?.selectedCandidatePairId));
        return [pair?.localCandidateId, pair?.remoteCandidateId].map((id) =>
          String(stats.get(String(id))?.candidateType),
        );
      }),
  );
}

describe('a local cloud kept on disk, stopped and started again', () => {
  const browser = chromiumForSuite();
  beforeAll(() => rmSync(STATE, { recursive: true, force: true }));
  afterAll(async () => {
    await stopCloud(cloud);
    rmSync(STATE, { recursive: true, force: true });
  });

  test('its demo camera streams to a relay-only viewer, and streams again after a restart', async () => {
    cloud = await startCloud(STATE, 120_000, { persist: true });
    const first = readOutputs();
    await eventually(() => streaming(first), 60_000);

    // The owner watches with only TURN relays allowed: the picture comes through coturn.
    const { page, context } = await phonePage(browser(), first.webUrl);
    await page.addInitScript(forceRelay);
    await signIn(page, first.webUrl, first.demo.owner);
    const row = await bindOnPage(page, first.demo.devices[0]!);
    await row.getByTestId('watch').click();
    await row.locator('[data-testid=live-state][data-state=live]').waitFor({ timeout: 30_000 });
    await page.waitForFunction(
      () => (document.querySelector<HTMLVideoElement>('[data-testid=live-video]')?.videoWidth ?? 0) > 0,
    );
    const pairs = await page.evaluate(selectedPairTypes);
    expect(pairs.length).toBeGreaterThan(0);
    for (const [local] of pairs) expect(local).toBe('relay');
    await row.locator('[data-testid=live-path]', { hasText: 'relayed' }).waitFor();
    await context.close();

    await stopCloud(cloud);
    cloud = await startCloud(STATE, 120_000, { persist: true });
    const second = readOutputs();
    // The same endpoints: the camera's provisioning answer (its credentials endpoint) still holds.
    expect(second.kinesisVideoControlPlane).toBe(first.kinesisVideoControlPlane);
    expect(second.iot.endpoint).toBe(first.iot.endpoint);
    expect(second.iot.credentialsEndpoint).toBe(first.iot.credentialsEndpoint);
    expect(second.caCertPath).toBe(first.caCertPath);
    expect(readFileSync(second.caCertPath, 'utf8')).toBe(readFileSync(first.caCertPath, 'utf8'));
    // Shadows live in memory, so this is the camera's report since the restart.
    await eventually(() => streaming(second), 60_000);
  }, 300_000);
});
