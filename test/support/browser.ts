import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { totpCode } from '../../local/totp';

/** Debian's Chromium, headless, as root, with nothing phoning home (see README prerequisites). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
];

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}

/**
 * A phone-sized page that records console errors and every request to a host other than the
 * local cloud's, so tests can assert the app loads nothing from third parties and breaks no CSP.
 */
export async function phonePage(
  browser: Browser,
  origin: string,
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 390, height: 844 },
  });
  const page = await context.newPage();
  const problems: string[] = [];
  const host = new URL(origin).host;
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (!['data:', 'blob:'].includes(url.protocol) && url.host !== host)
      problems.push(`third-party request ${r.url()}`);
  });
  return { context, page, problems };
}

/**
 * Opens the web client and signs in through its form; a user with an authenticator app (every
 * dispatcher) then answers the two-step sign-in with the app's current code.
 */
export async function signIn(
  page: Page,
  webUrl: string,
  user: { username: string; password: string; totpSecret?: string },
) {
  await page.goto(webUrl);
  await page.getByTestId('sign-in-email').fill(user.username);
  await page.getByTestId('sign-in-password').fill(user.password);
  await page.getByTestId('sign-in-submit').click();
  if (user.totpSecret) {
    await page.getByTestId('challenge-code').fill(totpCode(user.totpSecret));
    await page.getByTestId('challenge-submit').click();
  }
}

/** Binds a device through the form and waits for its row. */
export async function bindOnPage(page: Page, device: { serial: string; secret: string }) {
  await page.getByTestId('bind-serial').fill(device.serial);
  await page.getByTestId('bind-secret').fill(device.secret);
  await page.getByTestId('bind-submit').click();
  const row = page.getByTestId(`device-${device.serial}`);
  await row.waitFor();
  return row;
}

/**
 * Launches Chromium before a suite's tests and closes it after them; call it inside `describe`
 * and use the returned getter in the tests.
 */
export function chromiumForSuite(extraArgs: string[] = []): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium(extraArgs);
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('Chromium did not launch');
    return browser;
  };
}

/** Samples the picture of a <video>: its size, play time and a hash of its pixels. */
export function sampleVideo(page: Page, testId: string) {
  return page.evaluate((id) => {
    const video = document.querySelector<HTMLVideoElement>(`[data-testid=${id}]`)!;
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const g = canvas.getContext('2d')!;
    g.drawImage(video, 0, 0);
    const pixels = g.getImageData(0, 0, canvas.width, canvas.height).data;
    let hash = 0;
    for (let i = 0; i < pixels.length; i += 101) hash = (hash * 31 + pixels[i]!) | 0;
    return { width: video.videoWidth, time: video.currentTime, hash };
  }, testId);
}
