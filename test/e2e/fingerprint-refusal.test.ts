import wrtc from '@roamhq/wrtc';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { readFileSync } from 'node:fs';
import { startSimulatedCamera, type SimulatedCamera } from '../../device/engines/simulated-camera';
import type { Session } from '../../lambda/contract/types';
import { chromiumForSuite, phonePage, signIn } from '../support/browser';
import { closeSignaling, installTrustingWebSocket, openSignaling } from '../support/aws';
import { api, outputs, mintBody } from '../support/cloud';
import { streamingCaller } from '../support/streaming-caller';
import { newCaller, newDispatcher, newOrg, openInvite } from '../support/invites';

/**
 * DTLS fingerprint validation (docs/design.md §4) against someone who holds valid signaling
 * credentials but is not the party the platform vouched for: the browser viewer must refuse it,
 * show nothing of its video, and the refusal must be audited.
 */

async function auditRecords(
  subject: string,
): Promise<{ action: string; detail?: Record<string, unknown> }[]> {
  const { ddb } = await import('../../lambda/core/clients');
  const out = await ddb.send(
    new QueryCommand({
      TableName: outputs.tables.audit,
      KeyConditionExpression: 'subject = :s',
      ExpressionAttributeValues: { ':s': subject },
    }),
  );
  return (out.Items ?? []) as { action: string; detail?: Record<string, unknown> }[];
}

describe('DTLS fingerprint validation in Chromium', () => {
  const browser = chromiumForSuite();
  beforeAll(() => installTrustingWebSocket(readFileSync(outputs.caCertPath)));
  let rogue: SimulatedCamera | undefined;
  const rogueViewers: RTCPeerConnection[] = [];
  afterEach(async () => {
    await rogue?.stop();
    rogue = undefined;
    for (const pc of rogueViewers.splice(0)) pc.close();
    closeSignaling();
  });

  test('a rogue master that joins the channel with valid credentials but an unpublished fingerprint is refused by the viewer', async () => {
    const org = await newOrg();
    const dispatcher = await newDispatcher(org.orgId);
    const { invite, token } = await openInvite(dispatcher, `ROGUE-${Date.now()}`);

    // Valid MASTER credentials for the invite's channel, minted through the real link flow; the
    // one who holds them is not the caller's page: it publishes no fingerprint and answers any
    // offer (a simulated camera with no viewer gate, in this process).
    const caller = await newCaller();
    const minted = await caller.call('createCitizenSession', token);
    expect(minted.status).toBe(201);
    const session = minted.json() as Session;
    expect(session.role).toBe('MASTER');
    rogue = await startSimulatedCamera({ session: () => Promise.resolve(session) });

    // The dispatcher opens the invite and watches.
    const desk = await phonePage(browser(), outputs.webUrl);
    await desk.page.setViewportSize({ width: 1280, height: 900 });
    await signIn(desk.page, outputs.webUrl, dispatcher);
    await desk.page.getByTestId('dispatcher-console').waitFor();
    const mints: string[] = [];
    desk.page.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname.endsWith(`/invites/${invite.inviteId}/sessions`))
        mints.push(r.url());
    });
    await desk.page.getByTestId(`invite-${invite.inviteId}`).click();
    await desk.page.getByTestId('invite-detail').waitFor();
    await desk.page.getByTestId('watch').click();

    // The viewer is refused: said plainly, and it does not try again.
    const error = desk.page.locator('[data-testid=invite-live-error][data-reason=refused]');
    await error.waitFor({ timeout: 30_000 });
    expect(await error.innerText()).toMatch(/did not come from the caller/i);
    expect(await desk.page.getByTestId('invite-live-state').getAttribute('data-state')).toBe('refused');

    // No video was shown: nothing was put on the element, no frame ever played.
    const video = await desk.page.evaluate(() => {
      const v = document.querySelector<HTMLVideoElement>('[data-testid=invite-live-video]');
      return { hasStream: v?.srcObject != null, width: v?.videoWidth ?? 0, time: v?.currentTime ?? 0 };
    });
    expect(video).toEqual({ hasStream: false, width: 0, time: 0 });

    // The mismatch is in the audit trail, with the fingerprint the rogue answered with.
    const subject = `invite#${invite.inviteId}`;
    const deadline = Date.now() + 10_000;
    let mismatches = (await auditRecords(subject)).filter((r) => r.action === 'session.fingerprint_mismatch');
    while (mismatches.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      mismatches = (await auditRecords(subject)).filter((r) => r.action === 'session.fingerprint_mismatch');
    }
    expect(mismatches).toHaveLength(1);
    expect(JSON.stringify(mismatches[0]!.detail)).toMatch(/sha-256 [0-9A-F]{2}(:[0-9A-F]{2}){31}/);

    // Some seconds later it is still refused: it did not try again (one session, never renewed).
    await desk.page.waitForTimeout(3000);
    expect(await desk.page.getByTestId('invite-live-state').getAttribute('data-state')).toBe('refused');
    expect(mints).toHaveLength(1);

    expect(desk.problems).toEqual([]);
    await desk.context.close();
  });

  test('the caller’s page refuses a viewer with valid credentials whose fingerprint nobody published, and tells the caller', async () => {
    // The caller streams from their phone.
    const { dispatcher, invite, phone } = await streamingCaller(browser(), 'ROGUE-VIEWER');
    expect(await phone.page.getByTestId('live-refused').count()).toBe(0);

    // Valid VIEWER credentials for the invite's channel (a dispatcher's session), used by
    // someone who never publishes their fingerprint: they offer straight away.
    const minted = await api('createInviteSession', {
      body: mintBody(),
      token: dispatcher.idToken,
      params: { inviteId: invite.inviteId },
    });
    expect(minted.status).toBe(201);
    const session = minted.json() as Session;
    const pc = new wrtc.RTCPeerConnection({ iceServers: [] }) as RTCPeerConnection;
    rogueViewers.push(pc);
    pc.addTransceiver('video', { direction: 'recvonly' });
    await pc.setLocalDescription(await pc.createOffer());
    const signaling = await openSignaling({
      channelARN: session.channelArn,
      channelEndpoint: session.endpoints.wss,
      credentials: session.credentials,
      clientId: session.clientId!,
    });
    let answered = false;
    signaling.on('sdpAnswer', () => {
      answered = true;
    });
    signaling.sendSdpOffer(pc.localDescription!);

    // The page says so, in the caller's words, and sends nothing to that viewer.
    const refused = phone.page.getByTestId('live-refused');
    await refused.waitFor({ timeout: 15_000 });
    expect(await refused.innerText()).toMatch(/did not vouch for .* refused/i);
    expect(await phone.page.getByTestId('watching').count()).toBe(0);
    await new Promise((r) => setTimeout(r, 1500));
    expect(answered).toBe(false);

    // The caller's final report is audited.
    const mismatches = (await auditRecords(`invite#${invite.inviteId}`)).filter(
      (r) => r.action === 'session.fingerprint_mismatch',
    );
    expect(mismatches).toHaveLength(1);
    expect(mismatches[0]!.detail).toMatchObject({ clientId: session.clientId });

    expect(phone.problems).toEqual([]);
    await phone.context.close();
  });
});
