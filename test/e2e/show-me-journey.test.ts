import { createHash } from 'node:crypto';
import { httpRequest, outputs } from '../support/cloud';
import { seriousViolations } from '../support/axe';
import { chromiumForSuite, phonePage, sampleVideo, signIn } from '../support/browser';
import { linkFromOutbox, newDispatcher, newMobileNumber, newOrg } from '../support/invites';

describe('"show me" in Chromium: a dispatcher and a caller in two browser contexts', () => {
  const browser = chromiumForSuite();

  test('invite by SMS, consent, live video, photo, location, a forwarded link refused, then revoke', async () => {
    // The dispatcher signs in and lands on the console, not the owner app.
    const desk = await phonePage(browser(), outputs.webUrl);
    await desk.page.setViewportSize({ width: 1280, height: 900 });
    await signIn(desk.page, outputs.webUrl, outputs.demo.dispatcher);
    await desk.page.getByTestId('dispatcher-console').waitFor();

    // Invite a Belgian mobile number typed the local way; the form turns it into E.164.
    const e164 = newMobileNumber();
    const local = `0${e164.slice(3)}`;
    const reference = `E2E-${Date.now()}`;
    await desk.page.getByTestId('invite-country').selectOption('BE');
    await desk.page.getByTestId('invite-phone').fill(local);
    await desk.page.getByTestId('invite-reference').fill(reference);
    await desk.page.getByTestId('invite-locale').selectOption('fr');
    await desk.page.getByTestId('invite-submit').click();
    await desk.page.getByTestId('invite-sent').waitFor();
    const detail = desk.page.getByTestId('invite-detail');
    await detail.waitFor();
    await detail.locator('[data-testid=invite-status][data-status=sent]').waitFor();
    // The list shows it first (newest first).
    const firstRow = desk.page.getByTestId('invites').locator('li').first();
    expect(await firstRow.innerText()).toContain(reference);
    // On a phone the console is one column that fits the screen, the invite listed in it.
    await desk.page.setViewportSize({ width: 360, height: 800 });
    const widths = await desk.page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      viewport: document.documentElement.clientWidth,
    }));
    expect(widths.page).toBeLessThanOrEqual(widths.viewport);
    await desk.page.setViewportSize({ width: 1280, height: 900 });

    // The caller opens the link from the outbox on a phone that speaks English.
    const { link } = await linkFromOutbox(e164);
    const phone = await phonePage(browser(), outputs.webUrl);
    await phone.context.grantPermissions(['camera', 'microphone', 'geolocation'], {
      origin: outputs.webUrl,
    });
    await phone.context.setGeolocation({ latitude: 50.8466, longitude: 4.3528, accuracy: 12 });
    await phone.page.goto(link);
    const consent = phone.page.getByTestId('consent');
    await consent.waitFor();
    expect(await seriousViolations(phone.page)).toEqual([]);
    // Consent names the organisation and what it will see, before any camera is on.
    expect(await consent.innerText()).toMatch(/live video/i);
    expect(await phone.page.getByTestId('caller-preview').count()).toBe(0);
    // The language switch changes the words at once.
    await phone.page.getByTestId('language').selectOption('fr');
    expect(await consent.innerText()).toMatch(/vidéo/i);
    await phone.page.getByTestId('language').selectOption('en');
    await desk.page.locator('[data-testid=invite-detail] [data-status=opened]').waitFor();

    await phone.page.getByTestId('consent-live').click();
    await phone.page.locator('[data-testid=live-status][data-state=waiting]').waitFor({ timeout: 20_000 });
    // Nobody is watching yet, so the page does not say so. The camera is ready and it is the call
    // centre's turn: past the 5 s "taking a while" mark the page still says that one thing only.
    expect(await phone.page.getByTestId('watching').count()).toBe(0);
    await phone.page.waitForTimeout(6_000);
    expect(await phone.page.getByTestId('live-slow').count()).toBe(0);
    expect(await phone.page.getByTestId('live-status').getAttribute('data-state')).toBe('waiting');
    expect(await phone.page.getByTestId('live-status').innerText()).toContain('Waiting for the call centre');
    expect(await phone.page.getByTestId('watching').count()).toBe(0);
    expect(await seriousViolations(phone.page)).toEqual([]);
    await desk.page.locator('[data-testid=invite-detail] [data-status=live]').waitFor();

    // Relay only: the video comes through the local cloud's TURN server, and the overlay says so.
    await desk.page.getByTestId('relay-only').check();
    await desk.page.getByTestId('watch').click();
    await desk.page.locator('[data-testid=invite-live-state][data-state=live]').waitFor({ timeout: 30_000 });
    await desk.page.locator('[data-testid=invite-live-path]', { hasText: 'relayed' }).waitFor();

    // Without it, the dispatcher watches directly: frames render and the picture changes.
    await desk.page.getByTestId('relay-only').uncheck();
    await desk.page
      .locator('[data-testid=invite-live-path]', { hasText: 'direct' })
      .waitFor({ timeout: 30_000 });
    await desk.page.locator('[data-testid=invite-live-state][data-state=live]').waitFor({ timeout: 30_000 });
    await desk.page.waitForFunction(
      () =>
        (document.querySelector<HTMLVideoElement>('[data-testid=invite-live-video]')?.videoWidth ?? 0) > 0,
    );
    await desk.page.getByTestId('invite-live-video').scrollIntoViewIfNeeded();
    const first = await sampleVideo(desk.page, 'invite-live-video');
    await desk.page.waitForTimeout(1500);
    const second = await sampleVideo(desk.page, 'invite-live-video');
    expect(first.width).toBeGreaterThan(0);
    expect(second.time).toBeGreaterThan(first.time);
    expect(second.hash).not.toBe(first.hash);
    // The caller's sound stays off (they are on the phone too) until the dispatcher turns it on.
    const muted = () =>
      desk.page.evaluate(
        () => document.querySelector<HTMLVideoElement>('[data-testid=invite-live-video]')!.muted,
      );
    expect(await muted()).toBe(true);
    await desk.page.getByTestId('sound').click();
    expect(await muted()).toBe(false);
    // Now, and only now, the caller is told the call centre is watching.
    await phone.page.getByTestId('watching').waitFor();
    expect(await phone.page.getByTestId('live-slow').count()).toBe(0);
    await desk.page.getByTestId('unwatch').click();
    await phone.page.getByTestId('watching').waitFor({ state: 'detached', timeout: 20_000 });

    // Two photos: the newer one comes first on the photowall, its SHA-256 checked from its bytes.
    // The first upload's connection is cut once (a network failure, which the local cloud cannot
    // produce on demand, hence this one test double): the page says so and a retry sends it.
    const photos = [await phone.page.screenshot(), await desk.page.screenshot()];
    let cut = false;
    await phone.page.route(
      (url) => !url.pathname.startsWith('/api/'),
      (route) => {
        if (!cut && route.request().method() === 'POST') {
          cut = true;
          return route.abort('connectionreset');
        }
        return route.continue();
      },
    );
    await phone.page.getByTestId('photo-input').setInputFiles({
      name: 'scene-0.png',
      mimeType: 'image/png',
      buffer: photos[0]!,
    });
    await phone.page.locator('[data-testid=sent-photo][data-state=failed]').waitFor({ timeout: 20_000 });
    await phone.page.unrouteAll();
    await phone.page.getByTestId('photo-retry').click();
    await phone.page.locator('[data-testid=sent-photo][data-state=sent]').waitFor({ timeout: 20_000 });
    expect(cut).toBe(true);
    await phone.page.getByTestId('photo-input').setInputFiles({
      name: 'scene-1.png',
      mimeType: 'image/png',
      buffer: photos[1]!,
    });
    await phone.page.locator('[data-testid=sent-photo][data-state=sent]').nth(1).waitFor({ timeout: 20_000 });
    const newest = createHash('sha256').update(photos[1]!).digest('hex');
    const wall = desk.page.getByTestId('photowall');
    await wall.locator('[data-testid=photo-tile]').nth(1).waitFor({ timeout: 10_000 });
    const tile = wall.locator('[data-testid=photo-tile]').first();
    // Until revealed, only the preview the API blurred (once made); the reveal goes through the
    // API, the bytes are checked, then a click enlarges it.
    await tile.getByTestId('photo-preview').waitFor({ timeout: 15_000 });
    expect(await tile.getByTestId('photo-preview').getAttribute('src')).toMatch(/^data:image\/jpeg;base64,/);
    expect(await tile.getAttribute('data-revealed')).toBe('false');
    await tile.click();
    await desk.page.locator('[data-testid=photo-tile][data-revealed=true]').first().waitFor();
    await tile.locator('[data-testid=photo-hash][data-ok=true]').waitFor();
    await tile.click();
    const dialog = desk.page.getByTestId('photo-dialog').first();
    await dialog.waitFor();
    expect(await dialog.getByTestId('photo-sha256').innerText()).toBe(newest);
    await dialog.getByRole('button', { name: 'Close' }).click();

    // The caller shares the location; the dispatcher sees coordinates and accuracy, as text.
    await phone.page.getByTestId('share-location').click();
    await phone.page.locator('[data-testid=location-status][data-state=shared]').waitFor();
    expect(await phone.page.getByTestId('location-status').innerText()).toContain('12 m');
    await desk.page.getByTestId('location-latitude').waitFor({ timeout: 10_000 });
    expect(await desk.page.getByTestId('location-latitude').innerText()).toBe('50.846600');
    expect(await desk.page.getByTestId('location-longitude').innerText()).toBe('4.352800');
    expect(await desk.page.getByTestId('location-accuracy').innerText()).toBe(
      'Precise: within about 12 m, the building.',
    );
    // A map link to OpenStreetMap in a new tab that learns nothing about the console, and a copy.
    const map = desk.page.getByTestId('location-map');
    expect(await map.getAttribute('href')).toBe(
      'https://www.openstreetmap.org/?mlat=50.846600&mlon=4.352800#map=17/50.846600/4.352800',
    );
    expect(await map.getAttribute('target')).toBe('_blank');
    expect((await map.getAttribute('rel'))?.split(' ').sort()).toEqual(['noopener', 'noreferrer']);
    await desk.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: outputs.webUrl });
    await desk.page.getByTestId('location-copy').click();
    await desk.page.getByTestId('location-copied').filter({ hasText: 'Copied' }).waitFor();
    expect(await desk.page.evaluate(() => navigator.clipboard.readText())).toBe('50.846600, 4.352800');
    expect(await seriousViolations(desk.page)).toEqual([]);

    // The link forwarded to another phone is refused there, plainly.
    const other = await phonePage(browser(), outputs.webUrl);
    await other.page.goto(link);
    await other.page.locator('[data-testid=link-closed][data-reason=in-use]').waitFor();
    expect(await other.page.getByTestId('link-closed').innerText()).toMatch(/already in use/i);
    await other.context.close();

    // Revoking ends it: the caller's page says so and its camera stops. "Who is watching" says at
    // once that nobody is connected any more, and the live controls go with the video.
    await detail.getByTestId('viewers-toggle').click();
    await desk.page.getByTestId('watch').click();
    await desk.page.locator('[data-testid=invite-live-state][data-state=live]').waitFor({ timeout: 30_000 });
    await detail.locator('[data-testid=viewers-connected][data-count="1"]').waitFor({ timeout: 25_000 });
    await desk.page.getByTestId('revoke').click();
    await desk.page.getByTestId('revoke-confirm').click();
    await desk.page.locator('[data-testid=invite-detail] [data-status=revoked]').waitFor();
    await detail.locator('[data-testid=viewers-connected][data-count="0"]').waitFor({ timeout: 2_000 });
    expect(await detail.locator('[data-testid=viewer-session][data-status=active]').count()).toBe(0);
    expect(await desk.page.getByTestId('relay-only').count()).toBe(0);
    await phone.page.locator('[data-testid=link-closed][data-reason=revoked]').waitFor({ timeout: 20_000 });
    expect(await phone.page.getByTestId('caller-preview').count()).toBe(0);
    expect(await seriousViolations(phone.page)).toEqual([]);

    expect(desk.problems).toEqual([]);
    expect(phone.problems).toEqual([]);
    await phone.context.close();
    await desk.context.close();
  }, 120_000);

  test('the caller page serves with camera, microphone and location allowed; other pages deny them', async () => {
    const caller = await httpRequest(`${outputs.webUrl}/c/`);
    const app = await httpRequest(`${outputs.webUrl}/`);
    expect(caller.status).toBe(200);
    expect(caller.text).toMatch(/assets\/caller-[A-Z0-9]+\.js/);
    expect(caller.text).not.toMatch(/assets\/app-/);
    expect(caller.headers['permissions-policy']).toContain('camera=(self)');
    expect(caller.headers['permissions-policy']).toContain('geolocation=(self)');
    expect(app.headers['permissions-policy']).toContain('camera=()');
    expect(app.headers['permissions-policy']).toContain('geolocation=()');
    for (const res of [caller, app]) {
      const csp = String(res.headers['content-security-policy']);
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    }
    // The caller's bundle carries no sign-in code.
    const js = /src="(\/assets\/caller-[A-Z0-9]+\.js)"/.exec(caller.text)![1]!;
    const bundle = await httpRequest(`${outputs.webUrl}${js}`);
    expect(bundle.text).not.toContain('AWSCognitoIdentityProviderService');
  });

  test('a link without a token, or a malformed one, says so without calling the API', async () => {
    const { page, context, problems } = await phonePage(browser(), outputs.webUrl);
    const calls: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/citizen/')) calls.push(r.url());
    });
    await page.goto(`${outputs.webUrl}/c/`);
    await page.locator('[data-testid=link-closed][data-reason=missing]').waitFor();
    await page.goto(`${outputs.webUrl}/c/#not*a*token`);
    await page.reload();
    await page.locator('[data-testid=link-closed][data-reason=invalid]').waitFor();
    expect(calls).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  test("a landline is refused in words a dispatcher understands, not the API's field names", async () => {
    const desk = await phonePage(browser(), outputs.webUrl);
    await desk.page.setViewportSize({ width: 360, height: 800 });
    await signIn(desk.page, outputs.webUrl, outputs.demo.dispatcher);
    await desk.page.getByTestId('dispatcher-console').waitFor();

    // A Brussels landline: a real number, but no phone there can receive the SMS.
    await desk.page.getByTestId('invite-country').selectOption('BE');
    await desk.page.getByTestId('invite-phone').fill('02 555 12 34');
    await desk.page.getByTestId('invite-submit').click();
    const error = desk.page.getByTestId('invite-error');
    await error.waitFor();
    const text = await error.innerText();
    expect(text).toContain('cannot receive text messages');
    expect(text).not.toMatch(/phoneNumber|E\.164/);
    expect(await seriousViolations(desk.page)).toEqual([]);

    expect(desk.problems).toEqual([]);
    await desk.context.close();
  });

  test("the country list offers only the organisation's countries", async () => {
    const org = await newOrg({ allowedCountries: ['FR', 'DE'] });
    const dispatcher = await newDispatcher(org.orgId);
    const desk = await phonePage(browser(), outputs.webUrl);
    await signIn(desk.page, outputs.webUrl, dispatcher);
    await desk.page.getByTestId('dispatcher-console').waitFor();
    const country = desk.page.getByTestId('invite-country');
    await desk.page.waitForFunction(
      () => document.querySelectorAll('[data-testid=invite-country] option').length === 2,
    );
    expect(
      await country.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value)),
    ).toEqual(['FR', 'DE']);
    // A browser in Belgium still starts on one the organisation may text.
    expect(['FR', 'DE']).toContain(await country.inputValue());
    expect(desk.problems).toEqual([]);
    await desk.context.close();
  });
});
