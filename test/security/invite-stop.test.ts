import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { ViewersResponse } from '../../lambda/contract/types';
import { ddb } from '../../lambda/core/clients';
import { api, outputs, type TestUser, mintBody } from '../support/cloud';
import { newCaller, newDispatcher, newOrg, openInvite, type TestCaller } from '../support/invites';

/**
 * The attack: a dispatcher's viewer keeps watching a caller after the invite is revoked, or after
 * the caller pressed stop. Stopping an invite ends every viewing session on it in the same
 * transaction: the caller's page is told of no viewer any more (it drops those it has), no
 * session can publish again, and "who is watching" shows them ended.
 */

const fp = (byte: number) =>
  `sha-256 ${Array.from({ length: 32 }, () => byte.toString(16).padStart(2, '0').toUpperCase()).join(':')}`;

interface Opened {
  dispatcher: TestUser;
  inviteId: string;
  token: string;
  caller: TestCaller;
  clientId: string;
}

/** An invite its caller opened, and a dispatcher's viewer whose fingerprint the caller's page learns. */
async function watchedInvite(): Promise<Opened> {
  const org = await newOrg();
  const dispatcher = await newDispatcher(org.orgId);
  const opened = await openInvite(dispatcher);
  const inviteId = opened.invite.inviteId;
  const caller = await newCaller();
  expect((await caller.call('getCitizenInvite', opened.token)).status).toBe(200);
  const minted = await api('createInviteSession', {
    body: mintBody(),
    token: dispatcher.idToken,
    params: { inviteId },
  });
  expect(minted.status).toBe(201);
  const { clientId } = minted.json() as { clientId: string };
  const published = await api('publishInviteSessionFingerprint', {
    token: dispatcher.idToken,
    params: { inviteId, clientId },
    body: { fingerprint: fp(7) },
  });
  expect(published.status).toBe(200);
  const seen = await caller.call('putCitizenPeers', opened.token, {
    fingerprint: fp(9),
    connected: [clientId],
  });
  expect((seen.json() as { peers: unknown[] }).peers).toContainEqual({ clientId, fingerprint: fp(7) });
  return { dispatcher, inviteId, token: opened.token, caller, clientId };
}

/** The session is over everywhere: ended in the record, unable to publish, seen as ended. */
async function expectCut({ dispatcher, inviteId, clientId }: Opened, endedBy: string): Promise<void> {
  const listed = await api('listInviteViewers', { token: dispatcher.idToken, params: { inviteId } });
  expect(listed.status).toBe(200);
  const session = (listed.json() as ViewersResponse).sessions.find((s) => s.clientId === clientId);
  expect(session).toMatchObject({ status: 'ended', connected: false });
  const record = await ddb.send(
    new GetCommand({ TableName: outputs.tables.sessions, Key: { subject: `invite#${inviteId}`, clientId } }),
  );
  expect(record.Item).toMatchObject({ endedBy, endedAt: expect.any(String) });
  const again = await api('publishInviteSessionFingerprint', {
    token: dispatcher.idToken,
    params: { inviteId, clientId },
    body: { fingerprint: fp(7) },
  });
  expect(again.status).toBeGreaterThanOrEqual(400);
  expect(again.status).toBeLessThan(500);
}

test("revoking an invite ends every viewer's session, and the caller's page hears of no viewer", async () => {
  const opened = await watchedInvite();
  const { dispatcher, inviteId, caller, token } = opened;
  expect((await api('revokeInvite', { token: dispatcher.idToken, params: { inviteId } })).status).toBe(204);
  await expectCut(opened, dispatcher.sub);
  // The link is closed to the page: its next report is refused, and it stops the call.
  const report = await caller.call('putCitizenPeers', token, { fingerprint: fp(9), connected: [] });
  expect(report.status).toBeGreaterThanOrEqual(400);
  expect(report.status).toBeLessThan(500);
});

test("the caller's stop ends every viewer's session", async () => {
  const opened = await watchedInvite();
  expect((await opened.caller.call('endCitizenSession', opened.token)).status).toBe(204);
  await expectCut(opened, `caller.${opened.inviteId}`);
});
