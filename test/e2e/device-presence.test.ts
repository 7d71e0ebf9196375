import type { Browser, Page } from 'playwright-core';
import type { PresenceEvent } from '../../lambda/contract/iot-events';
import { bindOnPage, launchChromium, phonePage, signIn } from '../support/browser';
import { newDevice, newUser, outputs } from '../support/cloud';

/**
 * Online, offline and last seen on the owner's page, as lifecycle events arrive: the presence
 * handler (called here with the event AWS IoT sends) writes the registry, and the page picks it
 * up when it is shown or focused again, and not while it is hidden.
 */

process.env.POWERTOOLS_LOG_LEVEL = 'WARN';

async function presence(event: PresenceEvent): Promise<void> {
  const { handler } = await import('../../lambda/handlers/device-presence');
  await handler(event);
}

function lifecycle(clientId: string, eventType: 'connected' | 'disconnected', version: number, at: number) {
  return {
    clientId,
    timestamp: at,
    eventType,
    event: eventType,
    sessionIdentifier: 'a4666d2a7d844ae4ac5d7b38c9cb7967',
    principalIdentifier: 'b'.repeat(64),
    versionNumber: version,
  } satisfies PresenceEvent;
}

/** Makes the page believe it was hidden or shown, as switching tabs does, and tells it so. */
async function setVisibility(page: Page, state: 'hidden' | 'visible') {
  await page.evaluate((s) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => s });
    document.dispatchEvent(new Event('visibilitychange'));
  }, state);
}

describe('device presence on the owner page', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('online, then offline with a relative last seen and its exact time; nothing fetched while hidden', async () => {
    const owner = await newUser();
    const device = await newDevice();
    const { recordChannel } = await import('../../lambda/core/devices');
    await recordChannel(
      device.serial,
      `arn:aws:kinesisvideo:us-east-1:123456789012:channel/${device.serial}/1`,
    );

    const { page, problems, context } = await phonePage(browser, outputs.webUrl);
    const listings: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'GET' && new URL(r.url()).pathname.endsWith('/devices')) listings.push(r.url());
    });
    await signIn(page, outputs.webUrl, owner);
    await page.getByTestId('no-devices').waitFor();
    const row = await bindOnPage(page, device);
    const status = row.getByTestId('device-status');
    const lastSeen = row.getByTestId('device-last-seen');
    expect(await status.getAttribute('data-status')).toBe('offline');
    expect(await lastSeen.innerText()).toBe('Never');

    // The camera connects; the page learns it when focused again.
    const connectedAt = Date.now() - 10 * 60_000;
    await presence(lifecycle(device.serial, 'connected', 1, connectedAt));
    await page.waitForTimeout(2100); // past the focus debounce of the first load
    await page.evaluate(() => window.dispatchEvent(new Event('focus')));
    await row.locator('[data-testid=device-status][data-status=online]').waitFor();
    expect(await status.innerText()).toBe('Online');
    expect(await lastSeen.innerText()).toBe('Now');

    // It goes away five minutes ago. While the page is hidden, nothing is fetched, focus or not.
    const goneAt = Date.now() - 5 * 60_000;
    await presence(lifecycle(device.serial, 'disconnected', 1, goneAt));
    await setVisibility(page, 'hidden');
    const before = listings.length;
    await page.evaluate(() => window.dispatchEvent(new Event('focus')));
    await page.waitForTimeout(2500);
    expect(listings.length).toBe(before);
    expect(await status.getAttribute('data-status')).toBe('online');

    // Shown again: one fetch, and the row says offline, seen 5 minutes ago, exact time in the title.
    await setVisibility(page, 'visible');
    await row.locator('[data-testid=device-status][data-status=offline]').waitFor();
    expect(listings.length).toBe(before + 1);
    expect(await lastSeen.innerText()).toBe('5 minutes ago');
    const time = lastSeen.locator('time');
    expect(await time.getAttribute('dateTime')).toBe(new Date(goneAt).toISOString());
    expect(await time.getAttribute('title')).toMatch(/\d/);

    expect(problems).toEqual([]);
    await context.close();
  });
});
