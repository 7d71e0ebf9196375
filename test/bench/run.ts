// First: where the helpers below find this bench's cloud.
import { BENCH_STATE_DIR } from './state';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { LocalOutputs } from '../../lambda/contract/types';
import { bindOnPage, launchChromium, phonePage, signIn } from '../support/browser';
import { startCloud, stopCloud } from '../support/start-cloud';
import { TIMELINE_STEPS, type Timeline } from '../../web-client/src/live/viewer-connection';
import { countRequestsBeforeOffer } from './requests';
import { benchAgent } from './agent';
import { openSeedViewer } from './seed-run';

/**
 * `npm run bench`. The live view: click "Watch live" → first rendered frame, in Chromium against a
 * local cloud of its own, side by side with the seed's way of connecting, and the requests each
 * makes one after another before its offer, with where our time went (the stats overlay's
 * timeline). The dispatcher watching a caller's phone (ours only: the seed had no caller page).
 * Then the device agent (./agent.ts).
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const STATE_DIR = BENCH_STATE_DIR;
/**
 * Round-trip times added to every request the pages make (Chromium's network emulation): loopback
 * as it is, and a phone on a good mobile network, where each request made in series costs a trip.
 */
const RTTS = (process.env.BENCH_RTTS ?? '0,60').split(',').map(Number);

/**
 * The requests a watch makes: its session's (mint, fingerprint) and AWS's. The pages' own polls
 * (the device list, an open invite, who is watching) are not the watch's, though one may land
 * between the click and the offer.
 */
const WATCH_REQUESTS = /\/sessions\b|\/aws\//;

/** The demo camera's engines, each against a cloud of its own: `BENCH_CAMERAS` picks. */
const CAMERAS = (process.env.BENCH_CAMERAS ?? 'simulated,c-engine').split(',') as (
  'simulated' | 'c-engine'
)[];

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const liveView: Record<string, unknown> = {};
  let agent: unknown;
  let caller: unknown;
  for (const [i, camera] of CAMERAS.entries()) {
    const cloud = await startCloud(STATE_DIR, 120_000, { camera });
    try {
      const outputs = JSON.parse(readFileSync(join(STATE_DIR, 'outputs.json'), 'utf8')) as LocalOutputs;
      liveView[camera] = await benchLiveView(outputs, camera);
      // On the first cloud: the caller's page, and the device agent's memory and time from claim
      // to streaming.
      if (i === 0) caller = await benchCaller(outputs);
      if (camera === 'simulated') agent = await benchAgent({ outputs });
    } finally {
      await stopCloud(cloud);
    }
  }
  console.log(JSON.stringify({ liveView, caller, agent }, null, 2));
}

async function benchLiveView(outputs: LocalOutputs, camera: string) {
  // Chromium counts a page served by request interception (the seed's page) as public, and so
  // would refuse its connections to loopback; the C SDK cannot resolve the mDNS names Chromium
  // hides host addresses behind (device/README.md). Both viewers run in this one browser.
  const browser = await launchChromium([
    '--disable-features=LocalNetworkAccessChecks,WebRtcHideLocalIpsWithMdns',
    '--allow-loopback-in-peer-connection',
  ]);
  try {
    const device = outputs.demo.devices[0]!;
    const { page } = await phonePage(browser, outputs.webUrl);
    await signIn(page, outputs.webUrl, outputs.demo.owner);
    await bindOnPage(page, device);
    await untilOnline(page, device.serial);

    const seed = await openSeedViewer(page.context(), outputs, device.serial);
    const ours = { page, watch: () => watchOnce(page, device.serial) };
    // A page in a background tab gets no animation frames, so each viewer is brought to the front.
    const watch = async (viewer: {
      page: Page;
      watch: () => Promise<{ ms: number; requestsBeforeOffer: number; timeline?: Timeline }>;
    }) => {
      await viewer.page.bringToFront();
      return viewer.watch();
    };

    const scenarios = [];
    for (const rttMs of RTTS) {
      for (const viewer of [ours, seed]) await emulateRoundTrip(viewer.page, rttMs);
      // One warm-up each, then the two viewers take turns, so a busy moment hits both alike.
      await watch(ours);
      await watch(seed);
      const runs = { sightline: [] as number[], seed: [] as number[] };
      const sequential = { sightline: 0, seed: 0 };
      const timelines: Timeline[] = [];
      for (let i = 0; i < RUNS; i++) {
        for (const [name, viewer] of [
          ['sightline', ours],
          ['seed', seed],
        ] as const) {
          const run = await watch(viewer);
          runs[name].push(run.ms);
          sequential[name] = run.requestsBeforeOffer;
          if (run.timeline) timelines.push(run.timeline);
        }
      }
      const sightline = summarise(runs.sightline);
      const theirs = summarise(runs.seed);
      scenarios.push({
        roundTripMs: rttMs,
        clickToFirstFrameMs: { sightline, seed: theirs },
        sightlineOverSeed: Math.round((sightline.median / theirs.median) * 100) / 100,
        sequentialRequestsBeforeOffer: sequential,
        sightlineTimelineMedianMs: medianTimeline(timelines),
      });
    }
    const engine = camera === 'c-engine' ? await engineWhileStreaming(page, device.serial) : undefined;
    return {
      runs: RUNS,
      scenarios,
      ...(engine ? { engine } : {}),
      targets: {
        medianMs: 200,
        sightlineOverSeed: { loopback: 0.8, roundTrip60ms: 0.7 },
        sequentialRequests: 2,
      },
    };
  } finally {
    await browser.close();
  }
}

/**
 * The C engine's resident memory and CPU while one viewer watches: /proc of the engine process,
 * CPU as the share of one core over ten seconds.
 */
async function engineWhileStreaming(page: Page, serial: string) {
  const pids = execFileSync('pgrep', ['-f', `sightline-engine --channel ${serial}`], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .filter(Boolean);
  if (pids.length !== 1) throw new Error(`expected one engine process for ${serial}, found ${pids.length}`);
  const pid = pids[0]!;
  const ticks = () => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks
  };
  const rssKb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  const idleRssKb = rssKb();
  const row = page.getByTestId(`device-${serial}`);
  await row.getByTestId('watch').click();
  await row.locator('[data-testid=live-state][data-state=live]').waitFor({ timeout: 20_000 });
  const before = ticks();
  await page.waitForTimeout(10_000);
  const cpuPercent = Math.round(((ticks() - before) / 100 / 10) * 1000) / 10;
  const streamingRssKb = rssKb();
  await row.getByTestId('live-close').click();
  return {
    idleRssMb: Math.round(idleRssKb / 102.4) / 10,
    streamingRssMb: Math.round(streamingRssKb / 102.4) / 10,
    cpuPercentOfOneCore: cpuPercent,
  };
}

/**
 * The demo camera provisions itself as the cloud starts; the runs begin once it is online and its
 * channel is recorded, so "Watch live" is enabled (the page refetches the list when it regains
 * focus, as a person's would). Online alone comes first, from the connection's lifecycle event,
 * and a click on the still disabled button did nothing: the bench's "no frame within 20 s" at the
 * first watch.
 */
async function untilOnline(page: Page, serial: string): Promise<void> {
  const row = `[data-testid="device-${serial}"]`;
  const online = page.locator(`${row} [data-testid=device-status][data-status=online]`);
  const watchable = page.locator(`${row} [data-testid=watch]:not([disabled])`);
  const deadline = Date.now() + 60_000;
  while (!(await online.isVisible()) || !(await watchable.isVisible())) {
    if (Date.now() > deadline) throw new Error(`${serial} did not come online within 60 s`);
    await page.reload();
    await page.waitForTimeout(1000);
  }
}

async function emulateRoundTrip(page: Page, latency: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency,
    downloadThroughput: -1,
    uploadThroughput: -1,
  });
}

function summarise(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { median: pick(0.5), p10: pick(0.1), p90: pick(0.9), min: sorted[0]!, max: sorted.at(-1)! };
}

/**
 * Clicks "Watch live" and resolves when the first frame is rendered (requestVideoFrameCallback),
 * counting the HTTP requests and WebSocket handshakes made from the click until the offer is sent.
 */
async function watchOnce(
  page: Page,
  serial: string,
): Promise<{ ms: number; requestsBeforeOffer: number; timeline: Timeline }> {
  const row = page.getByTestId(`device-${serial}`);
  const counter = countRequestsBeforeOffer(page, WATCH_REQUESTS);
  // A script string, not a function: tsx's name-keeping helper does not exist in the page.
  const ms = await page
    .evaluate<number>(
      `new Promise((resolve, reject) => {
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
  })`,
    )
    .catch(async (err: Error) => {
      // What the person would see: the reason the picture did not come.
      throw new Error(`${err.message}; the page says: ${(await row.innerText()).replace(/\s+/g, ' ')}`);
    });
  const requestsBeforeOffer = counter.stop();
  const timeline = await timelineOf(page, 'live-timeline');
  await row.getByTestId('live-close').click();
  await row.getByTestId('live-view').waitFor({ state: 'detached' });
  return { ms: Math.round(ms), requestsBeforeOffer, timeline };
}

/** The stats overlay's timeline of the watch on screen, once it has its first frame. */
async function timelineOf(page: Page, testId: string): Promise<Timeline> {
  const dd = page.getByTestId(testId);
  await page.waitForFunction(
    (id) => document.querySelector(`[data-testid=${id}]`)?.getAttribute('data-timeline')?.includes('frame'),
    testId,
    { timeout: 5000 },
  );
  return JSON.parse((await dd.getAttribute('data-timeline'))!) as Timeline;
}

function medianTimeline(timelines: Timeline[]): Timeline {
  const out: Timeline = {};
  for (const step of TIMELINE_STEPS) {
    const values = timelines.map((t) => t[step]).filter((v): v is number => v !== undefined);
    if (values.length) out[step] = summarise(values).median;
  }
  return out;
}

/**
 * The dispatcher's click on "Watch live" → the first rendered frame of the caller's video, with
 * the caller's page streaming Chromium's fake camera from a phone-sized page in the same browser.
 */
async function benchCaller(outputs: LocalOutputs) {
  const { streamingCaller } = await import('../support/streaming-caller');
  const browser = await launchChromium(['--allow-loopback-in-peer-connection']);
  try {
    const { dispatcher, invite } = await streamingCaller(browser, 'BENCH');
    const desk = await phonePage(browser, outputs.webUrl);
    await desk.page.setViewportSize({ width: 1280, height: 900 });
    await signIn(desk.page, outputs.webUrl, dispatcher);
    await desk.page.getByTestId(`invite-${invite.inviteId}`).click();
    const detail = desk.page.getByTestId('invite-detail');
    const scenarios = [];
    for (const rttMs of RTTS) {
      await emulateRoundTrip(desk.page, rttMs);
      const times: number[] = [];
      const timelines: Timeline[] = [];
      let sequential = 0;
      for (let i = 0; i <= RUNS; i++) {
        await detail.getByTestId('watch').waitFor();
        const counter = countRequestsBeforeOffer(desk.page, WATCH_REQUESTS);
        const ms = await desk.page.evaluate<number>(`new Promise((resolve, reject) => {
          const started = performance.now();
          const timeout = setTimeout(() => reject(new Error('no frame of the caller within 20 s')), 20000);
          const waitForVideo = () => {
            const video = document.querySelector('[data-testid=invite-live-video]');
            if (!video) return requestAnimationFrame(waitForVideo);
            video.requestVideoFrameCallback(() => { clearTimeout(timeout); resolve(performance.now() - started); });
          };
          document.querySelector('[data-testid=invite-detail] [data-testid=watch]').click();
          waitForVideo();
        })`);
        sequential = counter.stop();
        const timeline = await timelineOf(desk.page, 'invite-live-timeline');
        // The first watch warms up, as for the cameras.
        if (i > 0) {
          times.push(Math.round(ms));
          timelines.push(timeline);
        }
        await detail.getByTestId('unwatch').click();
        await detail.getByTestId('invite-live-video').waitFor({ state: 'detached' });
      }
      scenarios.push({
        roundTripMs: rttMs,
        clickToFirstFrameMs: summarise(times),
        sequentialRequestsBeforeOffer: sequential,
        timelineMedianMs: medianTimeline(timelines),
      });
    }
    return { runs: RUNS, scenarios };
  } finally {
    await browser.close();
  }
}

main().catch((err: Error) => {
  console.error(`bench failed: ${err.stack ?? err.message}`);
  process.exitCode = 1;
});
