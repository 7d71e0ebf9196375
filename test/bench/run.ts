import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page, Request, WebSocket } from 'playwright-core';
import type { LocalOutputs } from '../../lambda/contract/types';
import { bindOnPage, launchChromium, phonePage, signIn } from '../support/browser';
import { REPO_ROOT } from '../support/paths';
import { startCloud, stopCloud } from '../support/start-cloud';

/**
 * `npm run bench`, live view: click "Watch live" → first rendered frame, in Chromium against a
 * local cloud of its own on loopback, and the requests made one after another before the offer.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const STATE_DIR = join(REPO_ROOT, '.local-bench');

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const cloud = await startCloud(STATE_DIR);
  const browser = await launchChromium();
  try {
    const outputs = JSON.parse(readFileSync(join(STATE_DIR, 'outputs.json'), 'utf8')) as LocalOutputs;
    const device = outputs.demo.devices[0]!;
    const { page } = await phonePage(browser, outputs.webUrl);
    await signIn(page, outputs.webUrl, outputs.demo.owner);
    await bindOnPage(page, device);

    // One warm-up, so the first measured run is not paying for module loading and JIT.
    await watchOnce(page, device.serial);
    const times: number[] = [];
    let sequential = 0;
    for (let i = 0; i < RUNS; i++) {
      const run = await watchOnce(page, device.serial);
      times.push(run.ms);
      sequential = run.requestsBeforeOffer;
    }
    const sorted = [...times].sort((a, b) => a - b);
    const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    const result = {
      runs: RUNS,
      clickToFirstFrameMs: {
        median: pick(0.5),
        p10: pick(0.1),
        p90: pick(0.9),
        min: sorted[0],
        max: sorted[sorted.length - 1],
      },
      sequentialRequestsBeforeOffer: sequential,
      targets: { medianMs: 250, sequentialRequests: 2 },
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await browser.close();
    await stopCloud(cloud);
  }
}

/**
 * Clicks "Watch live" and resolves when the first frame is rendered (requestVideoFrameCallback),
 * counting the HTTP requests and WebSocket handshakes made from the click until the offer is sent.
 */
async function watchOnce(page: Page, serial: string): Promise<{ ms: number; requestsBeforeOffer: number }> {
  const row = page.getByTestId(`device-${serial}`);
  let counting = true;
  let requests = 0;
  const onRequest = (r: Request) => {
    if (counting && /\/(api|aws)\//.test(r.url())) requests += 1;
  };
  const onSocket = (ws: WebSocket) => {
    if (!counting) return;
    requests += 1;
    ws.on('framesent', (frame) => {
      if (String(frame.payload).includes('SDP_OFFER')) counting = false;
    });
  };
  page.on('request', onRequest);
  page.on('websocket', onSocket);
  // A script string, not a function: tsx's name-keeping helper does not exist in the page.
  const ms = await page.evaluate<number>(`new Promise((resolve, reject) => {
    const started = performance.now();
    const button = document.querySelector('[data-testid="device-${serial}"] [data-testid=watch]');
    if (!button) return reject(new Error('no Watch button'));
    const timeout = setTimeout(() => reject(new Error('no frame within 20 s')), 20000);
    const waitForVideo = () => {
      const video = document.querySelector('[data-testid=live-video]');
      if (!video) return requestAnimationFrame(waitForVideo);
      video.requestVideoFrameCallback(() => {
        clearTimeout(timeout);
        resolve(performance.now() - started);
      });
    };
    button.click();
    waitForVideo();
  })`);
  page.off('request', onRequest);
  page.off('websocket', onSocket);
  await row.getByTestId('live-close').click();
  await row.getByTestId('live-view').waitFor({ state: 'detached' });
  return { ms: Math.round(ms), requestsBeforeOffer: requests };
}

main().catch((err: Error) => {
  console.error(`bench failed: ${err.stack ?? err.message}`);
  process.exitCode = 1;
});
