import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { bindOnPage, chromiumForSuite, phonePage, signIn } from '../support/browser';
import { endProcessGroup, startAgentCamera } from '../support/camera-viewer';
import { newDevice, newUser, outputs } from '../support/cloud';
import { TEST_STATE_DIR } from '../support/paths';

/**
 * No dead air: a camera that freezes (its agent and engine stopped, as a hung board would be,
 * with its TCP connections still open) while its owner watches. The picture stops; the page says
 * so within seconds instead of showing a still frame as "live", and the device row turns offline
 * once the IoT endpoint drops the silent connection (1.5 times the agent's keep-alive).
 */

const workDir = join(TEST_STATE_DIR, 'frozen-camera');
const output: string[] = [];
let camera: ChildProcess | undefined;

afterAll(async () => {
  if (!camera?.pid) return;
  try {
    process.kill(-camera.pid, 'SIGCONT');
  } catch {
    // Already gone.
  }
  await endProcessGroup(camera);
});

describe('a camera that freezes while watched, in Chromium', () => {
  const browser = chromiumForSuite();

  test('"reconnecting" within 5 s of the last frame, and offline within 90 s', async () => {
    const device = await newDevice();
    ({ camera } = await startAgentCamera(workDir, device.serial, output));
    const owner = await newUser();
    const { page, problems, context } = await phonePage(browser(), outputs.webUrl);
    await signIn(page, outputs.webUrl, owner);
    const row = await bindOnPage(page, device);
    await row.locator('[data-testid=device-status][data-status=online]').waitFor({ timeout: 30_000 });
    await row.getByTestId('watch').click();
    await row.locator('[data-testid=live-state][data-state=live]').waitFor({ timeout: 30_000 });
    await page.waitForFunction(
      () => (document.querySelector<HTMLVideoElement>('[data-testid=live-video]')?.videoWidth ?? 0) > 0,
    );

    // The whole camera stops at once: agent, engine, their sockets left open.
    process.kill(-camera.pid!, 'SIGSTOP');
    const frozeAt = Date.now();
    await row.locator('[data-testid=live-state][data-state=reconnecting]').waitFor({ timeout: 5_000 });
    expect(Date.now() - frozeAt).toBeLessThan(5_000);

    // The page refreshes the list every 30 s while shown; the endpoint drops the camera after 45 s.
    await row.locator('[data-testid=device-status][data-status=offline]').waitFor({ timeout: 90_000 });
    expect(Date.now() - frozeAt).toBeLessThan(90_000);
    expect(await row.getByTestId('device-last-seen').innerText()).not.toBe('Now');

    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);
});
