import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PersistedState } from '../../device/agent/state';
import { startDemoDevice } from '../../local/live';
import { bindOnPage, chromiumForSuite, phonePage, signIn } from '../support/browser';
import { api, newDevice, newUser, outputs } from '../support/cloud';
import { streamingCaller } from '../support/streaming-caller';
import { eventually } from '../support/iot';
import { TEST_STATE_DIR } from '../support/paths';

/**
 * "Who is watching" on the owner's page, against a camera of this suite's own: the real device
 * agent with the simulated engine (as the local cloud runs its demo camera), so no other suite's
 * binding of the demo camera gets in the way.
 */

const stateDir = join(TEST_STATE_DIR, 'who-is-watching');
let camera: ChildProcess | undefined;
const cameraLog: string[] = [];
let device: { serial: string; secret: string };

beforeAll(async () => {
  device = await newDevice();
  camera = startDemoDevice(
    { outputs: outputs as Parameters<typeof startDemoDevice>[0]['outputs'], stateDir, persist: false },
    device.serial,
    (line) => cameraLog.push(line),
  );
  const statePath = join(stateDir, 'demo-device', 'state', 'state.json');
  await eventually(async () => {
    try {
      return (JSON.parse(readFileSync(statePath, 'utf8')) as PersistedState).phase === 'streaming';
    } catch {
      return false;
    }
  }, 60_000).catch((err: Error) => {
    throw new Error(`${err.message}: the camera did not stream\n${cameraLog.join('\n').slice(-3000)}`);
  });
}, 90_000);

afterAll(async () => {
  if (!camera || camera.exitCode !== null) return;
  const exited = new Promise((resolve) => camera!.once('exit', resolve));
  camera.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
  if (camera.exitCode === null) camera.kill('SIGKILL');
});

describe('who is watching, in Chromium', () => {
  const browser = chromiumForSuite();

  test('the owner watches: one viewer connected, a session by "you"; ending it stops the live view', async () => {
    const owner = await newUser();
    const { page, problems, context } = await phonePage(browser(), outputs.webUrl);
    await page.setViewportSize({ width: 1024, height: 900 });
    await signIn(page, outputs.webUrl, owner);
    const row = await bindOnPage(page, device);

    // Nobody yet.
    await row.getByTestId('viewers-toggle').click();
    expect(await row.getByTestId('viewers-toggle').getAttribute('aria-expanded')).toBe('true');
    const connected = row.getByTestId('viewers-connected');
    await row.locator('[data-testid=viewers-connected][data-count="0"]').waitFor();
    expect(await connected.innerText()).toMatch(/nobody is watching/i);

    // The owner watches; once the camera reports the connection, the panel says so (it
    // refreshes every 10 s) and lists the session as the owner's own.
    await row.getByTestId('watch').click();
    await row.locator('[data-testid=live-state][data-state=live]').waitFor({ timeout: 30_000 });
    await row.locator('[data-testid=viewers-connected][data-count="1"]').waitFor({ timeout: 25_000 });
    expect(await connected.getAttribute('aria-live')).toBe('polite');
    expect(await connected.innerText()).toMatch(/1 viewer is connected/i);
    const mine = row.locator('[data-testid=viewer-session][data-you=true][data-status=active]');
    await mine.waitFor();
    expect(await mine.count()).toBe(1);
    expect(await mine.getAttribute('data-connected')).toBe('true');
    expect(await mine.getByTestId('viewer-who').innerText()).toBe('You');
    expect(await mine.innerText()).toMatch(/Watching now/);
    expect(await mine.innerText()).toMatch(/Chrome on Linux/);
    const end = mine.getByTestId('viewer-end');
    expect(await end.getAttribute('aria-label')).toMatch(/^End the session You started at /);

    // Ending it stops the live view, says why, and the camera drops the viewer.
    await end.click();
    const ended = row.locator('[data-testid=live-error][data-reason=ended]');
    await ended.waitFor({ timeout: 10_000 });
    expect(await ended.innerText()).toMatch(/viewing session was ended/i);
    expect(await row.getByTestId('live-state').getAttribute('data-state')).toBe('ended');
    await row.locator('[data-testid=viewer-session][data-status=ended][data-you=true]').waitFor();
    expect(await row.getByTestId('viewers-notice').innerText()).toMatch(/^Ended your session from /);
    await row.locator('[data-testid=viewers-connected][data-count="0"]').waitFor({ timeout: 25_000 });
    expect(await row.locator('[data-testid=viewer-session][data-status=active]').count()).toBe(0);

    // Watching again starts a new session, and the picture comes back.
    await row.getByTestId('live-close').click();
    await row.getByTestId('watch').click();
    await row.locator('[data-testid=live-state][data-state=live]').waitFor({ timeout: 30_000 });

    // Ended elsewhere (another tab, another device of the owner's): the camera drops the viewer,
    // and the page finds out the session is over instead of reconnecting.
    const again = row.locator('[data-testid=viewer-session][data-you=true][data-status=active]');
    await again.waitFor({ timeout: 25_000 });
    const clientId = (await again.getAttribute('data-client-id'))!;
    const answer = await api('endDeviceSession', {
      token: owner.idToken,
      params: { deviceId: device.serial, clientId },
    });
    expect(answer.status).toBe(204);
    await row.locator('[data-testid=live-error][data-reason=ended]').waitFor({ timeout: 30_000 });

    // Closing the live view ends its session, so the camera stops vouching for it (a C SDK camera
    // would otherwise keep the viewer until its ICE checks time out), and the panel says so.
    await row.getByTestId('live-close').click();
    await row.getByTestId('watch').click();
    await row.locator('[data-testid=live-state][data-state=live]').waitFor({ timeout: 30_000 });
    const open = row.locator('[data-testid=viewer-session][data-you=true][data-status=active]');
    await open.waitFor({ timeout: 25_000 });
    const closedId = (await open.getAttribute('data-client-id'))!;
    await row.getByTestId('live-close').click();
    await row
      .locator(`[data-testid=viewer-session][data-client-id="${closedId}"][data-status=ended]`)
      .waitFor({ timeout: 25_000 });
    await row.locator('[data-testid=viewers-connected][data-count="0"]').waitFor({ timeout: 25_000 });

    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  test('the dispatcher sees who watches the caller, ends a session on the panel, and the caller drops one ended elsewhere', async () => {
    // The caller streams from their phone.
    const { dispatcher, invite, phone } = await streamingCaller(browser(), 'WATCH');

    const desk = await phonePage(browser(), outputs.webUrl);
    await desk.page.setViewportSize({ width: 1280, height: 900 });
    await signIn(desk.page, outputs.webUrl, dispatcher);
    await desk.page.getByTestId(`invite-${invite.inviteId}`).click();
    const detail = desk.page.getByTestId('invite-detail');
    await detail.getByTestId('viewers-toggle').click();
    await detail.locator('[data-testid=viewers-connected][data-count="0"]').waitFor();

    // Watching: the caller's page reports the connection, and the panel shows it as this
    // dispatcher's own session.
    await detail.getByTestId('watch').click();
    await detail.locator('[data-testid=invite-live-state][data-state=live]').waitFor({ timeout: 30_000 });
    await phone.page.getByTestId('watching').waitFor();
    await detail.locator('[data-testid=viewers-connected][data-count="1"]').waitFor({ timeout: 25_000 });
    const mine = detail.locator('[data-testid=viewer-session][data-you=true][data-status=active]');
    expect(await mine.getAttribute('data-connected')).toBe('true');

    // Ended on the panel: the live view stops and says why; the caller is no longer watched.
    await mine.getByTestId('viewer-end').click();
    await detail.locator('[data-testid=invite-live-error][data-reason=ended]').waitFor({ timeout: 10_000 });
    await phone.page.getByTestId('watching').waitFor({ state: 'detached', timeout: 20_000 });
    await detail.locator('[data-testid=viewers-connected][data-count="0"]').waitFor({ timeout: 25_000 });

    // Watching again, then that session is ended elsewhere: the caller's page drops the viewer
    // at its next report, and the console finds the session over instead of reconnecting.
    await detail.getByTestId('unwatch').click();
    await detail.getByTestId('watch').click();
    await detail.locator('[data-testid=invite-live-state][data-state=live]').waitFor({ timeout: 30_000 });
    await phone.page.getByTestId('watching').waitFor();
    const again = detail.locator('[data-testid=viewer-session][data-you=true][data-status=active]');
    await again.waitFor({ timeout: 25_000 });
    const clientId = (await again.getAttribute('data-client-id'))!;
    const ended = await api('endInviteSession', {
      token: dispatcher.idToken,
      params: { inviteId: invite.inviteId, clientId },
    });
    expect(ended.status).toBe(204);
    await phone.page.getByTestId('watching').waitFor({ state: 'detached', timeout: 20_000 });
    await detail.locator('[data-testid=invite-live-error][data-reason=ended]').waitFor({ timeout: 30_000 });

    expect(desk.problems).toEqual([]);
    expect(phone.problems).toEqual([]);
    await desk.context.close();
    await phone.context.close();
  });
});
