import { SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { seriousViolations } from '../support/axe';
import { chromiumForSuite, phonePage } from '../support/browser';
import { cognito, outputs } from '../support/cloud';

/**
 * The local outbox, every newcomer's first stop (README): it looks like the app, fits a small
 * phone, shows times in the reader's zone, and takes in new messages without reloading.
 */
describe('the local outbox page, in Chromium', () => {
  const browser = chromiumForSuite();

  test('at 360 px: no sideways scrolling, local times, a new code appears without a reload, axe finds nothing serious', async () => {
    const { page, problems, context } = await phonePage(browser(), outputs.webUrl);
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`${outputs.webUrl}/local/outbox`);
    await page.getByRole('heading', { name: 'Local outbox' }).waitFor();
    await page.waitForFunction(() => document.getElementById('status')?.textContent !== 'Loading…');
    // A marker that a reload would wipe.
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));

    // Someone signs up: Cognito (here cognito-local) emails a code, which the outbox shows.
    const email = `outbox-${Date.now()}@example.com`;
    await cognito.send(
      new SignUpCommand({
        ClientId: outputs.userPoolClientId,
        Username: email,
        Password: 'A-good-passw0rd!',
        UserAttributes: [{ Name: 'email', Value: email }],
      }),
    );
    const message = page.getByTestId('outbox-message').filter({ hasText: email });
    await message.waitFor({ timeout: 10_000 });
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    expect(await message.innerText()).toMatch(/\d{6}/);
    // Times as people read them, not ISO strings in UTC.
    const when = message.locator('time');
    expect(await when.innerText()).not.toMatch(/\d{4}-\d\d-\d\dT/);
    expect(Date.parse((await when.getAttribute('datetime'))!)).toBeGreaterThan(Date.now() - 60_000);
    expect(await page.locator('#status').innerText()).toMatch(/messages?, newest first/);

    // Nothing wider than the phone, long addresses and links included.
    const widths = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      viewport: document.documentElement.clientWidth,
    }));
    expect(widths.page).toBeLessThanOrEqual(widths.viewport);
    // It wears the app's stylesheet: its surface colour, not the browser's default.
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).not.toBe('rgba(0, 0, 0, 0)');
    // No meta refresh: the page updates itself.
    expect(await page.locator('meta[http-equiv=refresh]').count()).toBe(0);

    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });
});
