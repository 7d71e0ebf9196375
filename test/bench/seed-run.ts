import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import type { BrowserContext, Page } from 'playwright-core';
import type { LocalOutputs } from '../../lambda/contract/types';
import { REPO_ROOT } from '../support/paths';
import { countRequestsBeforeOffer } from './requests';

/**
 * The seed's viewer on a page of its own, on the same machine, cloud, camera and browser as ours.
 * Like the seed, the page already holds credentials when the person picks the camera (the sample
 * fetches them on mount), so the clock starts at the pick and covers what the seed then does in
 * series.
 */
export interface SeedViewer {
  page: Page;
  /** Picks the camera and resolves when its first frame is rendered. */
  watch: () => Promise<{ ms: number; requestsBeforeOffer: number }>;
}

export async function openSeedViewer(
  context: BrowserContext,
  outputs: LocalOutputs,
  serial: string,
): Promise<SeedViewer> {
  const script = await bundleSeedViewer();
  const base = `${outputs.webUrl}/bench`;
  // Served from the cloud's own origin, so the page keeps the signed-in person's token.
  await context.route(`${base}/seed.html`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: '<!doctype html><video id="v" autoplay muted playsinline></video><script src="seed.js"></script>',
    }),
  );
  await context.route(`${base}/seed.js`, (route) =>
    route.fulfill({ contentType: 'text/javascript', body: script }),
  );
  const page = await context.newPage();
  if (process.env.BENCH_DEBUG) page.on('console', (m) => console.error(`seed page: ${m.text()}`));
  await page.goto(`${base}/seed.html`);
  await page.waitForFunction('typeof globalThis.seedWatch === "function"');

  const watch = async () => {
    // Not timed: the seed's page fetched its credentials when it loaded. The camera answers only
    // a viewer whose fingerprint was vouched for with its session, which the seed never did: that
    // is done here too, outside the clock.
    await page.evaluate(`(async () => {
      const tokenKey = Object.keys(localStorage).find((k) => k.endsWith('.idToken'));
      const headers = { Authorization: localStorage.getItem(tokenKey) };
      const api = ${JSON.stringify(outputs.apiUrl)};
      const path = '/devices/' + encodeURIComponent(${JSON.stringify(serial)}) + '/sessions';
      const certificate = await RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' });
      const probe = new RTCPeerConnection({ certificates: [certificate] });
      probe.createDataChannel('fingerprint');
      const offer = await probe.createOffer();
      probe.close();
      const fingerprint = 'sha-256 ' + /a=fingerprint:sha-256 (\\S+)/.exec(offer.sdp)[1].toUpperCase();
      const minted = await fetch(api + path, {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify({ fingerprint }),
      });
      if (!minted.ok) throw new Error('minting the session failed: ' + minted.status);
      const session = await minted.json();
      globalThis.seedInput = {
        clientId: session.clientId,
        certificate,
        region: session.region,
        channelName: session.channelName,
        controlEndpoint: ${JSON.stringify(outputs.awsEndpoints.kinesisvideo)},
        credentials: {
          accessKeyId: session.credentials.accessKeyId,
          secretAccessKey: session.credentials.secretAccessKey,
          sessionToken: session.credentials.sessionToken,
        },
      };
    })()`);
    const counter = countRequestsBeforeOffer(page, /\/aws\//);
    const ms = await page.evaluate<number>(`Promise.race([
      globalThis.seedWatch(globalThis.seedInput, document.getElementById('v')),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no frame within 20 s')), 20000)),
    ])`);
    const requestsBeforeOffer = counter.stop();
    // Not timed either: the seed never ended its sessions, and a camera keeps a viewer whose
    // browser left without a word until its ICE checks time out (half a minute), so ten runs
    // would fill it. Our live view ends its session when it closes.
    await page.evaluate(`(async () => {
      const tokenKey = Object.keys(localStorage).find((k) => k.endsWith('.idToken'));
      const path = '/devices/' + encodeURIComponent(${JSON.stringify(serial)}) + '/sessions/' + globalThis.seedInput.clientId;
      await fetch(${JSON.stringify(outputs.apiUrl)} + path, { method: 'DELETE', headers: { Authorization: localStorage.getItem(tokenKey) } });
    })()`);
    return { ms: Math.round(ms), requestsBeforeOffer };
  };
  return { page, watch };
}

async function bundleSeedViewer(): Promise<string> {
  const kvsPackage = require.resolve('amazon-kinesis-video-streams-webrtc/package.json');
  const { version } = JSON.parse(readFileSync(kvsPackage, 'utf8')) as { version: string };
  const built = await esbuild.build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [join(__dirname, 'seed-viewer.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    write: false,
    logLevel: 'warning',
    define: {
      'process.env.NODE_ENV': '"production"',
      'process.env.PACKAGE_VERSION': JSON.stringify(version),
    },
  });
  return built.outputFiles[0]!.text;
}
