import { httpRequest, outputs } from '../support/cloud';
import type { Page } from 'playwright-core';
import { seriousViolations } from '../support/axe';
import { bindOnPage, chromiumForSuite, phonePage, sampleVideo, signIn } from '../support/browser';

/** The `data-testid` (or, failing that, the tag) of the element that has keyboard focus. */
function focused(page: Page): Promise<string> {
  return page.evaluate(
    () => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? '',
  );
}

/** Waits until focus is on the element with this `data-testid`. */
async function focusLandsOn(page: Page, testId: string): Promise<void> {
  await page.waitForFunction((id) => document.activeElement?.getAttribute('data-testid') === id, testId, {
    timeout: 10_000,
  });
}

/** True when the page is wider than the window, so it scrolls sideways. */
function scrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
}

describe('the owner journey in Chromium', () => {
  const browser = chromiumForSuite();

  test('sign in as the demo owner, see a wrong secret refused, bind the demo device, then unbind it', async () => {
    const { page, problems, context } = await phonePage(browser(), outputs.webUrl);
    const device = outputs.demo.devices[0]!;

    await page.goto(outputs.webUrl);
    await page.getByTestId('sign-in-email').fill(outputs.demo.owner.username);
    // A mistyped password says so plainly, without telling whether the account exists.
    await page.getByTestId('sign-in-password').fill('Not-the-passw0rd!');
    await page.getByTestId('sign-in-submit').click();
    expect(await page.getByTestId('sign-in-error').innerText()).toContain(
      'The email or password is not right.',
    );
    await page.getByTestId('sign-in-password').fill(outputs.demo.owner.password);
    await page.getByTestId('sign-in-submit').click();
    await page.getByTestId('no-devices').waitFor();

    // A wrong secret shows a message a person can act on, and binds nothing.
    await page.getByTestId('bind-serial').fill(device.serial);
    await page.getByTestId('bind-secret').fill('ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ');
    await page.getByTestId('bind-submit').click();
    const error = page.getByTestId('bind-error');
    await error.waitFor();
    expect(await error.innerText()).toMatch(/serial|secret|label/i);
    expect(await page.getByTestId(`device-${device.serial}`).count()).toBe(0);

    // The right secret binds it, and it is listed.
    await page.getByTestId('bind-secret').fill(device.secret);
    await page.getByTestId('bind-name').fill('Porch camera');
    await page.getByTestId('bind-submit').click();
    const row = page.getByTestId(`device-${device.serial}`);
    await row.waitFor();
    expect(await row.innerText()).toContain('Porch camera');

    // The success notice says so; once the device is unbound it no longer does.
    expect(await page.getByTestId('bind-notice').innerText()).toContain('Porch camera is bound');

    // Unbinding asks first, then removes it, and the "bound" notice goes with it.
    await row.getByTestId('unbind').click();
    await row.getByTestId('unbind-confirm').click();
    await row.waitFor({ state: 'detached' });
    await page.getByTestId('no-devices').waitFor();
    expect(await page.getByTestId('bind-notice').count()).toBe(0);

    // A success notice does not stay for good: it clears after a while by itself.
    await bindOnPage(page, device);
    await page.getByTestId('bind-notice').waitFor();
    await page.getByTestId('bind-notice').waitFor({ state: 'detached', timeout: 15_000 });
    await row.getByTestId('unbind').click();
    await row.getByTestId('unbind-confirm').click();
    await row.waitFor({ state: 'detached' });

    expect(problems).toEqual([]);
    await context.close();
  });

  test('a new person signs up, confirms with the emailed code and signs in', async () => {
    const { page, problems, context } = await phonePage(browser(), outputs.webUrl);
    const email = `new-${Date.now()}@example.com`;
    const password = 'A-good-passw0rd!';

    await page.goto(outputs.webUrl);
    await page.getByTestId('go-sign-up').click();
    await page.getByTestId('sign-up-email').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByTestId('sign-up-email').fill(email);
    await page.getByTestId('sign-up-password').fill(password);
    await page.getByTestId('sign-up-submit').click();
    await page.getByTestId('confirm-code').waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    // The local cloud's outbox holds what Cognito would have emailed.
    const outbox = await httpRequest(`${outputs.webUrl}/local/outbox.json`);
    const message = (outbox.json().messages as { to: string; text: string }[]).find((m) => m.to === email);
    const code = /\d{6}/.exec(message?.text ?? '')?.[0];
    expect(code).toMatch(/^\d{6}$/);

    await page.getByTestId('confirm-code').fill(code!);
    await page.getByTestId('confirm-submit').click();
    // After confirming, the person is signed in (directly, or through the sign-in form).
    const signedIn = page.getByTestId('no-devices');
    const signInForm = page.getByTestId('sign-in-form');
    await Promise.race([signedIn.waitFor(), signInForm.waitFor()]);
    if (await signInForm.isVisible()) {
      await page.getByTestId('sign-in-email').fill(email);
      await page.getByTestId('sign-in-password').fill(password);
      await page.getByTestId('sign-in-submit').click();
    }
    await signedIn.waitFor();
    expect(await page.getByTestId('signed-in-as').innerText()).toContain(email);

    expect(problems).toEqual([]);
    await context.close();
  });

  test('bind the demo camera and watch it live: frames render and the picture changes', async () => {
    const { page, problems, context } = await phonePage(browser(), outputs.webUrl);
    const device = outputs.demo.devices[0]!;
    await signIn(page, outputs.webUrl, outputs.demo.owner);
    const row = await bindOnPage(page, device);

    await row.getByTestId('watch').click();
    await row.locator('[data-testid=live-state][data-state=live]').waitFor({ timeout: 20_000 });

    // Sample the picture twice: it must have a size, play on, and change (the bar and clock move).
    const sample = () => sampleVideo(page, 'live-video');
    await page.waitForFunction(
      () => (document.querySelector<HTMLVideoElement>('[data-testid=live-video]')?.videoWidth ?? 0) > 0,
    );
    const first = await sample();
    await page.waitForTimeout(1500);
    const second = await sample();
    expect(first.width).toBeGreaterThan(0);
    expect(second.time).toBeGreaterThan(first.time);
    expect(second.hash).not.toBe(first.hash);
    // On loopback the path is direct; the overlay says so.
    await row.locator('[data-testid=live-path]', { hasText: 'direct' }).waitFor();
    // And where the start went: every step of this watch, in the order they happen.
    const timeline = JSON.parse(
      (await row.getByTestId('live-timeline').getAttribute('data-timeline')) ?? '{}',
    ) as Record<string, number>;
    const steps = ['mint', 'signaling', 'offer', 'answer', 'ice', 'dtls', 'frame'];
    expect(Object.keys(timeline).sort()).toEqual([...steps].sort());
    const times = steps.map((step) => timeline[step]!);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBeGreaterThan(0);
    expect(await row.getByTestId('live-timeline').innerText()).toMatch(
      /^session \d+ · signaling \d+ · .* · first frame \d+ ms$/,
    );

    // Closing the view closes the connection; then leave the demo camera unbound for others.
    await row.getByTestId('live-close').click();
    await row.getByTestId('live-view').waitFor({ state: 'detached' });
    await row.getByTestId('unbind').click();
    await row.getByTestId('unbind-confirm').click();
    await row.waitFor({ state: 'detached' });

    expect(problems).toEqual([]);
    await context.close();
  });

  test('keyboard focus is never lost: a skip link, then sign-in, watch live and unbind each move focus on', async () => {
    const { page, problems, context } = await phonePage(browser(), outputs.webUrl);
    const device = outputs.demo.devices[0]!;
    await page.setViewportSize({ width: 360, height: 800 });
    await page.goto(outputs.webUrl);
    await page.getByTestId('sign-in-email').waitFor();

    // The first Tab reaches "Skip to content", which takes focus into the page's main content.
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('skip-link');
    expect(await page.getByTestId('skip-link').innerText()).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    expect(await seriousViolations(page)).toEqual([]);

    // Signing in replaces the form that had focus: focus goes to the page's heading.
    await page.getByTestId('sign-in-email').fill(outputs.demo.owner.username);
    await page.getByTestId('sign-in-password').fill(outputs.demo.owner.password);
    await page.getByTestId('sign-in-password').press('Enter');
    await focusLandsOn(page, 'devices-heading');
    expect(await page.getByTestId('devices-heading').innerText()).toBe('Your devices');

    // "Watch live" goes away when pressed: focus moves to the live view it opened, which is named.
    const row = await bindOnPage(page, device);
    await row.getByTestId('watch').click();
    await focusLandsOn(page, 'live-view');
    expect(await row.getByTestId('live-view').getAttribute('aria-label')).toContain('Live view of');
    expect(await seriousViolations(page)).toEqual([]);
    expect(await scrollsSideways(page)).toBe(false);
    // Closing it gives focus back to "Watch live".
    await row.getByTestId('live-close').click();
    await focusLandsOn(page, 'watch');

    // Unbinding removes the row that had focus: focus goes to the list's heading, and a notice says
    // what happened.
    await row.getByTestId('unbind').click();
    await row.getByTestId('unbind-confirm').click();
    await row.waitFor({ state: 'detached' });
    await focusLandsOn(page, 'devices-heading');
    expect(await page.getByTestId('unbind-notice').innerText()).toContain('is unbound');
    expect(await seriousViolations(page)).toEqual([]);
    expect(await scrollsSideways(page)).toBe(false);
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(await scrollsSideways(page)).toBe(false);
    expect(await seriousViolations(page)).toEqual([]);

    expect(problems).toEqual([]);
    await context.close();
  });
});
