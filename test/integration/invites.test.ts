import { DescribeSignalingChannelCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { readFileSync } from 'node:fs';
import { inviteSchema, listInvitesResponseSchema, sessionSchema } from '../../lambda/contract/schemas';
import { explainInvalid } from '../../lambda/core/validation';
import { ADMIN, closeSignaling, installTrustingWebSocket, openSignaling, sdkConfig } from '../support/aws';
import { agent, api, httpRequest, outputs, mintBody } from '../support/cloud';
import {
  linkFromOutbox,
  newCaller,
  newDispatcher,
  newMobileNumber,
  newOrg,
  openInvite,
  sendInvite,
} from '../support/invites';
import { expectProblem } from '../support/problems';

/** The dispatcher's side of "show me": sending, listing, watching and revoking invites. */
const admin = new KinesisVideoClient(sdkConfig(agent, ADMIN, outputs.awsEndpoints.kinesisvideo!));

async function auditOf(inviteId: string) {
  const { ddb } = await import('../../lambda/core/clients');
  const out = await ddb.send(
    new QueryCommand({
      TableName: outputs.tables.audit,
      KeyConditionExpression: 'subject = :s',
      ExpressionAttributeValues: { ':s': `invite#${inviteId}` },
    }),
  );
  return out.Items ?? [];
}

describe('invites', () => {
  beforeAll(() => installTrustingWebSocket(readFileSync(outputs.caCertPath)));
  afterAll(() => {
    closeSignaling();
    admin.destroy();
  });

  test('an invite is sent as one SMS naming the organisation, with a link the API stores only hashed', async () => {
    const org = await newOrg({ smsCredits: 5 });
    const dispatcher = await newDispatcher(org.orgId);
    const phoneNumber = newMobileNumber();
    const answer = await sendInvite(dispatcher, { phoneNumber, reference: 'INC-42', locale: 'fr' });
    expect(answer.status).toBe(201);
    const invite = answer.json();
    expect(explainInvalid(inviteSchema, invite)).toBeNull();
    expect(invite).toMatchObject({ status: 'sent', reference: 'INC-42', sms: { status: 'sent' } });
    expect(invite.phoneNumberMasked).toMatch(/^\+32 •+\d{2}$/);
    expect(invite.phoneNumberMasked.endsWith(phoneNumber.slice(-2))).toBe(true);
    expect(Date.parse(invite.expiresAt) - Date.parse(invite.createdAt)).toBe(3600_000);

    const sms = await linkFromOutbox(phoneNumber);
    expect(sms.link.startsWith(`${outputs.webUrl}/c/#`)).toBe(true);
    expect(sms.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sms.text).toContain(org.name);
    expect(sms.text).toContain('INC-42');
    expect(sms.text).toContain('Inutile de répondre');

    const { getInvite } = await import('../../lambda/core/invites');
    const { hashInviteToken } = await import('../../lambda/core/invite-tokens');
    const stored = await getInvite(invite.inviteId);
    expect(stored).toMatchObject({
      orgId: org.orgId,
      tokenHash: hashInviteToken(sms.token),
      expiryQueue: 'active',
    });
    expect(JSON.stringify(stored)).not.toContain(sms.token);
    expect(JSON.stringify(stored)).not.toContain(phoneNumber);
    expect(stored!.expiresAtEpoch * 1000).toBeGreaterThan(Date.parse(invite.expiresAt));

    // The channel exists, named for the invite.
    const channel = await admin.send(
      new DescribeSignalingChannelCommand({ ChannelName: `invite-${invite.inviteId}` }),
    );
    expect(channel.ChannelInfo?.ChannelARN).toBe(stored!.channelArn);

    const { getOrganisation } = await import('../../lambda/core/organisations');
    expect((await getOrganisation(org.orgId))!.smsCredits).toBe(4);
    expect((await auditOf(invite.inviteId)).map((a) => a.action)).toContain('invite.sent');
  });

  test('the list is the organisation’s own, newest first, a page at a time, with the countries it may text', async () => {
    const org = await newOrg({ allowedCountries: ['BE', 'IE'] });
    const dispatcher = await newDispatcher(org.orgId);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await openInvite(dispatcher, `REF-${i}`)).invite.inviteId);
    const answer = await api('listInvites', { token: dispatcher.idToken });
    expect(answer.status).toBe(200);
    const body = answer.json();
    expect(explainInvalid(listInvitesResponseSchema, body)).toBeNull();
    expect(body.invites.map((i: { inviteId: string }) => i.inviteId)).toEqual([...ids].reverse());
    expect(body.allowedCountries).toEqual(['BE', 'IE']);

    // Pages: the cursor goes on from where the last page stopped, and a forged one is refused.
    const { listOrgInvites } = await import('../../lambda/core/invites');
    const first = await listOrgInvites(org.orgId, undefined, 2);
    expect(first.items.map((i) => i.inviteId)).toEqual([ids[2], ids[1]]);
    const second = await listOrgInvites(org.orgId, first.nextCursor, 2);
    expect(second.items.map((i) => i.inviteId)).toEqual([ids[0]]);
    const paged = await httpRequest(`${outputs.apiUrl}/invites?cursor=${first.nextCursor!}`, {
      headers: { Authorization: dispatcher.idToken },
    });
    expect(paged.json().invites.map((i: { inviteId: string }) => i.inviteId)).toEqual([ids[0]]);
    // A cursor pointing into another organisation's invites is refused.
    const forged = Buffer.from(
      JSON.stringify({ orgId: 'org_other', createdAt: '2026-01-01T00:00:00.000Z', inviteId: 'inv_x' }),
    ).toString('base64url');
    expectProblem(
      await httpRequest(`${outputs.apiUrl}/invites?cursor=${forged}`, {
        headers: { Authorization: dispatcher.idToken },
      }),
      400,
      'INVALID_REQUEST',
    );
  });

  test('the dispatcher watches as VIEWER of the invite channel only; the caller is MASTER of it only', async () => {
    const org = await newOrg();
    const dispatcher = await newDispatcher(org.orgId);
    const { invite, token } = await openInvite(dispatcher);
    const other = await openInvite(dispatcher);
    const caller = await newCaller();

    const master = await caller.call('createCitizenSession', token);
    expect(master.status).toBe(201);
    const callerSession = master.json();
    expect(explainInvalid(sessionSchema, callerSession)).toBeNull();
    expect(callerSession).toMatchObject({ role: 'MASTER', channelName: `invite-${invite.inviteId}` });
    expect(callerSession.clientId).toBeUndefined();
    const lifetime = Date.parse(callerSession.credentials.expiration) - Date.now();
    expect(lifetime).toBeGreaterThan(14 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(15 * 60_000);

    const viewer = await api('createInviteSession', {
      body: mintBody(),
      token: dispatcher.idToken,
      params: { inviteId: invite.inviteId },
    });
    expect(viewer.status).toBe(201);
    const viewerSession = viewer.json();
    expect(viewerSession).toMatchObject({ role: 'VIEWER', channelArn: callerSession.channelArn });

    const { getInvite } = await import('../../lambda/core/invites');
    const otherArn = (await getInvite(other.invite.inviteId))!.channelArn;
    const creds = (s: { credentials: Record<string, string> }) => ({
      accessKeyId: s.credentials.accessKeyId!,
      secretAccessKey: s.credentials.secretAccessKey!,
      sessionToken: s.credentials.sessionToken!,
    });
    const asCaller = { channelEndpoint: callerSession.endpoints.wss, credentials: creds(callerSession) };
    await expect(openSignaling({ ...asCaller, channelARN: callerSession.channelArn })).resolves.toBeDefined();
    await expect(openSignaling({ ...asCaller, channelARN: otherArn })).rejects.toThrow();
    // A caller can never connect as a viewer, nor reach a camera's channel.
    await expect(
      openSignaling({ ...asCaller, channelARN: callerSession.channelArn, clientId: 'x' }),
    ).rejects.toThrow();
    const kvs = new KinesisVideoClient(
      sdkConfig(agent, creds(callerSession), outputs.awsEndpoints.kinesisvideo!),
    );
    await expect(
      kvs.send(new DescribeSignalingChannelCommand({ ChannelName: 'SL-DEMO-0001' })),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    kvs.destroy();

    const asViewer = { channelEndpoint: viewerSession.endpoints.wss, credentials: creds(viewerSession) };
    await expect(
      openSignaling({ ...asViewer, channelARN: viewerSession.channelArn, clientId: viewerSession.clientId }),
    ).resolves.toBeDefined();
    await expect(
      openSignaling({ ...asViewer, channelARN: otherArn, clientId: viewerSession.clientId }),
    ).rejects.toThrow();

    // Status follows the caller: opened at the first bound request, live at the first session.
    expect((await getInvite(invite.inviteId))!.status).toBe('live');
    const minted = (await auditOf(invite.inviteId)).filter((a) => a.action === 'session.minted');
    expect(minted.map((a) => a.detail.role).sort()).toEqual(['MASTER', 'VIEWER']);
    expect(minted.find((a) => a.detail.role === 'VIEWER')).toMatchObject({ actor: dispatcher.sub });
  });

  test('revoking stops the link at once, deletes the channel and frees the number', async () => {
    const org = await newOrg();
    const dispatcher = await newDispatcher(org.orgId);
    const { invite, token, phoneNumber } = await openInvite(dispatcher);
    const caller = await newCaller();
    expect((await caller.call('createCitizenSession', token)).status).toBe(201);

    const revoked = await api('revokeInvite', {
      token: dispatcher.idToken,
      params: { inviteId: invite.inviteId },
    });
    expect(revoked.status).toBe(204);
    expectProblem(await caller.call('createCitizenSession', token), 410, 'INVITE_REVOKED');
    expectProblem(await caller.call('getCitizenInvite', token), 410, 'INVITE_REVOKED');
    await expect(
      admin.send(new DescribeSignalingChannelCommand({ ChannelName: `invite-${invite.inviteId}` })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expectProblem(
      await api('createInviteSession', {
        body: mintBody(),
        token: dispatcher.idToken,
        params: { inviteId: invite.inviteId },
      }),
      410,
      'INVITE_REVOKED',
    );
    const detail = await api('getInvite', {
      token: dispatcher.idToken,
      params: { inviteId: invite.inviteId },
    });
    expect(detail.json()).toMatchObject({ status: 'revoked' });
    // Revoking again changes nothing; a new invite to the same number is allowed now.
    expect(
      (await api('revokeInvite', { token: dispatcher.idToken, params: { inviteId: invite.inviteId } }))
        .status,
    ).toBe(204);
    expect((await sendInvite(dispatcher, { phoneNumber })).status).toBe(201);
    expect((await auditOf(invite.inviteId)).filter((a) => a.action === 'invite.revoked')).toHaveLength(1);
  });

  test('one active invite per number per organisation: a second one is 409 and costs nothing', async () => {
    const org = await newOrg({ smsCredits: 3 });
    const dispatcher = await newDispatcher(org.orgId);
    const phoneNumber = newMobileNumber();
    expect((await sendInvite(dispatcher, { phoneNumber })).status).toBe(201);
    expectProblem(await sendInvite(dispatcher, { phoneNumber }), 409, 'INVITE_ACTIVE');
    const { getOrganisation } = await import('../../lambda/core/organisations');
    expect((await getOrganisation(org.orgId))!.smsCredits).toBe(2);
    const list = (await api('listInvites', { token: dispatcher.idToken })).json();
    expect(list.invites).toHaveLength(1);
    // Another organisation may text the same number.
    const otherOrg = await newOrg();
    expect((await sendInvite(await newDispatcher(otherOrg.orgId), { phoneNumber })).status).toBe(201);
  });

  test('an invite past its expiry is refused to the caller, then swept: expired, channel deleted', async () => {
    const org = await newOrg();
    const dispatcher = await newDispatcher(org.orgId);
    const { invite, token } = await openInvite(dispatcher);
    const caller = await newCaller();
    expect((await caller.call('getCitizenInvite', token)).status).toBe(200);
    // The shortest lifetime is 5 minutes; rather than wait, the test moves this invite's expiry
    // into the past in the table, as time would.
    const { ddb } = await import('../../lambda/core/clients');
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    await ddb.send(
      new UpdateCommand({
        TableName: outputs.tables.invites,
        Key: { inviteId: invite.inviteId },
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': new Date(Date.now() - 1000).toISOString() },
      }),
    );
    expectProblem(await caller.call('createCitizenSession', token), 410, 'INVITE_EXPIRED');
    const listed = (await api('listInvites', { token: dispatcher.idToken })).json();
    expect(listed.invites[0]).toMatchObject({ inviteId: invite.inviteId, status: 'expired' });

    // The local cloud runs expire-invites every 30 s.
    const { getInvite } = await import('../../lambda/core/invites');
    const deadline = Date.now() + 45_000;
    while ((await getInvite(invite.inviteId))!.status !== 'expired' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
    }
    const swept = await getInvite(invite.inviteId);
    expect(swept).toMatchObject({ status: 'expired' });
    expect(swept!.expiryQueue).toBeUndefined();
    await expect(
      admin.send(new DescribeSignalingChannelCommand({ ChannelName: `invite-${invite.inviteId}` })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expectProblem(await caller.call('getCitizenInvite', token), 410, 'INVITE_EXPIRED');
  }, 70_000);
});
