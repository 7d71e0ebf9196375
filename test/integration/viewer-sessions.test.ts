import { CreateSignalingChannelCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import {
  GetThingShadowCommand,
  IoTDataPlaneClient,
  UpdateThingShadowCommand,
} from '@aws-sdk/client-iot-data-plane';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { VouchedViewer } from '../../lambda/contract/fingerprints';
import { viewersResponseSchema } from '../../lambda/contract/schemas';
import { ddb } from '../../lambda/core/clients';
import { explainInvalid } from '../../lambda/core/validation';
import { ADMIN, sdkConfig } from '../support/aws';
import { agent, api, newDevice, newUser, outputs, type TestUser, mintBody } from '../support/cloud';
import { newCaller, newDispatcher, newOrg, openInvite, type TestCaller } from '../support/invites';
import { expectProblem } from '../support/problems';

/**
 * Viewing sessions through the gateway (docs/design.md §4): minting records a session; its viewer
 * publishes a DTLS fingerprint; the sending side (camera shadow, caller's page) learns it; the
 * owner or dispatcher sees who is watching and ends a session, after which it can publish nothing.
 */

const kvs = new KinesisVideoClient(sdkConfig(agent, ADMIN, outputs.awsEndpoints.kinesisvideo!));
const iotData = new IoTDataPlaneClient(sdkConfig(agent, ADMIN, outputs.awsEndpoints['iot-data-plane']!));

const fp = (byte: number) =>
  `sha-256 ${Array.from({ length: 32 }, () => byte.toString(16).padStart(2, '0').toUpperCase()).join(':')}`;

afterAll(() => {
  kvs.destroy();
  iotData.destroy();
});

async function audits(subject: string, action: string) {
  const out = await ddb.send(
    new QueryCommand({
      TableName: outputs.tables.audit,
      KeyConditionExpression: 'subject = :s',
      ExpressionAttributeValues: { ':s': subject },
    }),
  );
  return (out.Items ?? []).filter((i) => i.action === action);
}

async function desiredViewers(thingName: string): Promise<Record<string, VouchedViewer>> {
  const out = await iotData.send(new GetThingShadowCommand({ thingName }));
  const doc = JSON.parse(Buffer.from(out.payload!).toString('utf8')) as {
    state: { desired?: { viewers?: Record<string, VouchedViewer> } };
  };
  return doc.state.desired?.viewers ?? {};
}

describe('a camera viewer', () => {
  let owner: TestUser;
  let serial: string;

  beforeAll(async () => {
    owner = await newUser();
    const device = await newDevice();
    serial = device.serial;
    const label = { serial: device.serial, secret: device.secret };
    expect((await api('bindDevice', { token: owner.idToken, body: label })).status).toBe(201);
    const created = await kvs.send(new CreateSignalingChannelCommand({ ChannelName: serial }));
    const { recordChannel } = await import('../../lambda/core/devices');
    await recordChannel(serial, created.ChannelARN!);
  });

  const mint = async () => {
    const minted = await api('createDeviceSession', {
      body: mintBody(),
      token: owner.idToken,
      params: { deviceId: serial },
    });
    expect(minted.status).toBe(201);
    return (minted.json() as { clientId: string }).clientId;
  };
  const publish = (clientId: string, body: Record<string, unknown>) =>
    api('publishDeviceSessionFingerprint', {
      token: owner.idToken,
      params: { deviceId: serial, clientId },
      body,
    });

  test('minting vouches for the viewer in the camera shadow before it answers, and answers with the camera fingerprint', async () => {
    // A camera with a long-lived certificate reports its one fingerprint once.
    await iotData.send(
      new UpdateThingShadowCommand({
        thingName: serial,
        payload: Buffer.from(JSON.stringify({ state: { reported: { fingerprint: fp(9) } } })),
      }),
    );
    const minted = await api('createDeviceSession', {
      body: { fingerprint: fp(8) },
      token: owner.idToken,
      params: { deviceId: serial },
    });
    expect(minted.status).toBe(201);
    const session = minted.json() as {
      clientId: string;
      peerFingerprint?: string;
      credentials: { expiration: string };
    };
    // The one request before the offer: the camera knows this viewer by the time it answers.
    expect(session.peerFingerprint).toBe(fp(9));
    expect((await desiredViewers(serial))[session.clientId]).toEqual({
      fingerprint: fp(8),
      expiresAt: Date.parse(session.credentials.expiration),
    });
    // "Who is watching" counts the session as fingerprinted from the start.
    const listed = (
      await api('listDeviceViewers', { token: owner.idToken, params: { deviceId: serial } })
    ).json() as { sessions: { clientId: string; fingerprinted: boolean }[] };
    expect(listed.sessions.find((s) => s.clientId === session.clientId)).toMatchObject({
      fingerprinted: true,
    });
    await iotData.send(
      new UpdateThingShadowCommand({
        thingName: serial,
        payload: Buffer.from(JSON.stringify({ state: { reported: { fingerprint: null } } })),
      }),
    );
  });

  test('publishing writes the fingerprint to the camera shadow before it answers, and ending removes it', async () => {
    const clientId = await mint();
    const published = await publish(clientId, { fingerprint: fp(1) });
    expect(published.status).toBe(200);
    // The camera has published nothing for this viewer yet.
    expect(published.json()).toEqual({});
    // Vouched for as long as its session lasts: the camera drops it then, whatever the shadow says.
    const session = (
      await api('listDeviceViewers', { token: owner.idToken, params: { deviceId: serial } })
    ).json() as { sessions: { clientId: string; expiresAt: string }[] };
    const expiresAt = Date.parse(session.sessions.find((s) => s.clientId === clientId)!.expiresAt);
    expect((await desiredViewers(serial))[clientId]).toEqual({ fingerprint: fp(1), expiresAt });

    const listed = await api('listDeviceViewers', { token: owner.idToken, params: { deviceId: serial } });
    expect(listed.status).toBe(200);
    const viewers = listed.json() as { connected: number; sessions: { clientId: string }[] };
    expect(explainInvalid(viewersResponseSchema, viewers)).toBeNull();
    expect(viewers.connected).toBe(0);
    expect(viewers.sessions[0]).toMatchObject({
      clientId,
      you: true,
      status: 'active',
      connected: false,
      fingerprinted: true,
    });

    const ended = await api('endDeviceSession', {
      token: owner.idToken,
      params: { deviceId: serial, clientId },
    });
    expect(ended.status).toBe(204);
    expect((await desiredViewers(serial))[clientId]).toBeUndefined();
    expectProblem(await publish(clientId, { fingerprint: fp(2) }), 410, 'SESSION_ENDED');
    // Ending twice is fine; the record says who ended it, once.
    expect(
      (await api('endDeviceSession', { token: owner.idToken, params: { deviceId: serial, clientId } }))
        .status,
    ).toBe(204);
    expect(
      (await audits(`device#${serial}`, 'session.ended')).filter((a) => a.detail?.clientId === clientId),
    ).toHaveLength(1);
  });

  test("a session that is not the asker's, or does not exist, is 404", async () => {
    const clientId = await mint();
    const stranger = await newUser();
    expectProblem(
      await api('publishDeviceSessionFingerprint', {
        token: stranger.idToken,
        params: { deviceId: serial, clientId },
        body: { fingerprint: fp(3) },
      }),
      404,
      'NOT_FOUND',
    );
    expectProblem(await publish('viewer-AAAAAAAAAAAAAAAAAAAAAA', { fingerprint: fp(3) }), 404, 'NOT_FOUND');
    expectProblem(
      await api('endDeviceSession', {
        token: owner.idToken,
        params: { deviceId: serial, clientId: 'viewer-AAAAAAAAAAAAAAAAAAAAAA' },
      }),
      404,
      'NOT_FOUND',
    );
  });

  test('a final mismatch report is audited; a report that matches what the camera published is not', async () => {
    const clientId = await mint();
    expect((await publish(clientId, { fingerprint: fp(4) })).status).toBe(200);
    const verdict = await publish(clientId, { fingerprint: fp(4), observed: fp(5), final: true });
    expect(verdict.status).toBe(200);
    expect(verdict.json()).toEqual({ match: false });
    const mismatches = await audits(`device#${serial}`, 'session.fingerprint_mismatch');
    expect(mismatches.filter((a) => a.detail?.clientId === clientId)).toEqual([
      expect.objectContaining({ actor: owner.sub, detail: { clientId, observed: fp(5), published: 'none' } }),
    ]);

    // The camera reports the fingerprint of its connection to this viewer, as it does before answering.
    await iotData.send(
      new UpdateThingShadowCommand({
        thingName: serial,
        payload: Buffer.from(
          JSON.stringify({ state: { reported: { fingerprints: { [clientId]: fp(5) } } } }),
        ),
      }),
    );
    const matched = await publish(clientId, { fingerprint: fp(4), observed: fp(5), final: true });
    expect(matched.json()).toEqual({ peerFingerprint: fp(5), match: true });
    expect(
      (await audits(`device#${serial}`, 'session.fingerprint_mismatch')).filter(
        (a) => a.detail?.clientId === clientId,
      ),
    ).toHaveLength(1);
  });
});

describe('a dispatcher viewer and the caller', () => {
  let dispatcher: TestUser;
  let colleague: TestUser;
  let inviteId: string;
  let caller: TestCaller;
  let token: string;

  beforeAll(async () => {
    const org = await newOrg();
    dispatcher = await newDispatcher(org.orgId);
    colleague = await newDispatcher(org.orgId);
    const opened = await openInvite(dispatcher);
    inviteId = opened.invite.inviteId;
    token = opened.token;
    caller = await newCaller();
    expect((await caller.call('getCitizenInvite', token)).status).toBe(200);
  });

  const mint = async (who: TestUser) => {
    const minted = await api('createInviteSession', {
      body: mintBody(),
      token: who.idToken,
      params: { inviteId },
    });
    expect(minted.status).toBe(201);
    return (minted.json() as { clientId: string }).clientId;
  };
  const publishAs = (who: TestUser, clientId: string, body: Record<string, unknown>) =>
    api('publishInviteSessionFingerprint', { token: who.idToken, params: { inviteId, clientId }, body });
  const peers = (extra: Record<string, unknown>) =>
    caller.call('putCitizenPeers', token, { fingerprint: fp(9), connected: [], ...extra });

  test("each side learns the other's fingerprint; the caller reports who is connected", async () => {
    const clientId = await mint(dispatcher);
    // Before the caller publishes, the viewer learns nothing.
    const first = await publishAs(dispatcher, clientId, { fingerprint: fp(7) });
    expect(first.json()).toEqual({});

    const seen = await peers({ connected: [clientId] });
    expect(seen.status).toBe(200);
    expect((seen.json() as { peers: unknown[] }).peers).toContainEqual({ clientId, fingerprint: fp(7) });

    const verdict = await publishAs(dispatcher, clientId, { fingerprint: fp(7), observed: fp(9) });
    expect(verdict.json()).toEqual({ peerFingerprint: fp(9), match: true });

    // A colleague sees the session, not as theirs, and connected.
    const listed = await api('listInviteViewers', { token: colleague.idToken, params: { inviteId } });
    const viewers = listed.json() as { connected: number; sessions: Record<string, unknown>[] };
    expect(explainInvalid(viewersResponseSchema, viewers)).toBeNull();
    expect(viewers.connected).toBe(1);
    expect(viewers.sessions.find((s) => s.clientId === clientId)).toMatchObject({
      you: false,
      connected: true,
      status: 'active',
    });
  });

  test('a colleague ends a session: the caller no longer gets its fingerprint, and it cannot publish again', async () => {
    const clientId = await mint(dispatcher);
    await publishAs(dispatcher, clientId, { fingerprint: fp(8) });
    expect(
      (await api('endInviteSession', { token: colleague.idToken, params: { inviteId, clientId } })).status,
    ).toBe(204);
    const seen = (await peers({})).json() as { peers: { clientId: string }[] };
    expect(seen.peers.map((p) => p.clientId)).not.toContain(clientId);
    expectProblem(await publishAs(dispatcher, clientId, { fingerprint: fp(8) }), 410, 'SESSION_ENDED');
  });

  test("a colleague cannot publish a fingerprint for another dispatcher's session", async () => {
    const clientId = await mint(dispatcher);
    expectProblem(await publishAs(colleague, clientId, { fingerprint: fp(6) }), 404, 'NOT_FOUND');
  });

  test("an offer from a viewer nobody vouched for is audited on the caller's final report", async () => {
    const stranger = 'viewer-BBBBBBBBBBBBBBBBBBBBBB';
    const verdict = await peers({ observed: { clientId: stranger, fingerprint: fp(10) }, final: true });
    expect((verdict.json() as { match: boolean }).match).toBe(false);
    const mismatches = await audits(`invite#${inviteId}`, 'session.fingerprint_mismatch');
    expect(mismatches.filter((a) => a.detail?.clientId === stranger)).toEqual([
      expect.objectContaining({
        actor: `caller.${inviteId}`,
        detail: { clientId: stranger, observed: fp(10) },
      }),
    ]);
  });
});

describe("a camera's refusal, as the refusal rule delivers it", () => {
  test('is audited on the device when well formed, and dropped when not', async () => {
    const { handler } = await import('../../lambda/handlers/device-refusal');
    const { serial } = await newDevice();
    const clientId = 'viewer-CCCCCCCCCCCCCCCCCCCCCC';
    // The payload is the device's word: anything that is not a refusal is dropped.
    for (const event of [
      { thingName: serial, clientId: 'not-a-viewer', reason: 'unpublished' },
      { thingName: serial, clientId, reason: 'because' },
      { thingName: serial, clientId, reason: 'unpublished', fingerprint: 'md5 00' },
      { thingName: 'prov-x', clientId, reason: 'unpublished' },
      null,
    ]) {
      await handler(event as never);
    }
    expect(await audits(`device#${serial}`, 'session.fingerprint_refused')).toEqual([]);
    await handler({ thingName: serial, clientId, reason: 'ended', fingerprint: fp(11) });
    expect(await audits(`device#${serial}`, 'session.fingerprint_refused')).toEqual([
      expect.objectContaining({
        actor: `device.${serial}`,
        detail: { clientId, reason: 'ended', fingerprint: fp(11) },
      }),
    ]);
  });
});
