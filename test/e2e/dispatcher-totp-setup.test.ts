import { totpCode } from '../../local/totp';
import { outputs } from '../support/cloud';
import { seriousViolations } from '../support/axe';
import { chromiumForSuite, phonePage, signIn } from '../support/browser';
import { newOrg, newUnenrolledDispatcher } from '../support/invites';

describe('a dispatcher without an authenticator app, in Chromium', () => {
  const browser = chromiumForSuite();

  test('is walked through setting one up, then signs in with its code', async () => {
    // GIVEN a new dispatcher who has only a password
    const dispatcher = await newUnenrolledDispatcher((await newOrg()).orgId);
    const desk = await phonePage(browser(), outputs.webUrl);
    await desk.page.setViewportSize({ width: 1280, height: 900 });

    // WHEN they sign in, the console does not open: the setup does, with a key and a QR code
    await signIn(desk.page, outputs.webUrl, dispatcher);
    const setup = desk.page.getByTestId('totp-setup');
    await setup.waitFor();
    expect(await desk.page.getByTestId('dispatcher-console').count()).toBe(0);
    const secret = (await desk.page.getByTestId('totp-secret').textContent()) ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    await expect(setup.locator('img').getAttribute('src')).resolves.toMatch(/^data:image\/png;base64,/);

    // a wrong code is refused, in words
    await desk.page.getByTestId('totp-code').fill(totpCode(secret, Date.now() + 10 * 60_000));
    await desk.page.getByTestId('totp-submit').click();
    await desk.page.getByTestId('totp-error').waitFor();
    expect(await seriousViolations(desk.page)).toEqual([]);

    // THEN with the app's code the console opens
    await desk.page.getByTestId('totp-code').fill(totpCode(secret));
    await desk.page.getByTestId('totp-submit').click();
    await desk.page.getByTestId('dispatcher-console').waitFor();
    // and the API answers it (the list loads: no MFA_REQUIRED)
    await desk.page.getByTestId('no-invites').waitFor();
    expect(await desk.page.getByTestId('invites-error').count()).toBe(0);

    // AND the next sign-in asks for the app's code before the console
    await desk.page.getByTestId('sign-out').click();
    await signIn(desk.page, outputs.webUrl, { ...dispatcher, totpSecret: secret });
    await desk.page.getByTestId('no-invites').waitFor();
    expect(desk.problems).toEqual([]);
    await desk.context.close();
  });
});
