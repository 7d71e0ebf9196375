import type { IceServer } from '@aws-sdk/client-kinesis-video-signaling';
import type { Browser } from 'playwright-core';

/**
 * The ICE candidates Chromium gathers with only TURN relays allowed: a relay candidate appears
 * only if the TURN server accepted the Allocate with the given username and password.
 */
export async function relayCandidates(browser: Browser, servers: IceServer[]): Promise<string[]> {
  const page = await browser.newPage();
  try {
    const iceServers = servers.map((s) => ({
      urls: s.Uris ?? [],
      username: s.Username,
      credential: s.Password,
    }));
    return await page.evaluate(async (config) => {
      const pc = new RTCPeerConnection({ iceServers: config, iceTransportPolicy: 'relay' });
      const found: string[] = [];
      pc.createDataChannel('probe');
      const done = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 10_000);
        pc.onicecandidate = (event) => {
          if (event.candidate) found.push(event.candidate.candidate);
          else {
            clearTimeout(timer);
            resolve();
          }
        };
      });
      await pc.setLocalDescription(await pc.createOffer());
      await done;
      pc.close();
      return found;
    }, iceServers);
  } finally {
    await page.close();
  }
}
