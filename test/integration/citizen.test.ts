import { DescribeSignalingChannelCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { randomBytes } from 'node:crypto';
import {
  citizenInviteSchema,
  citizenPhotoResponseSchema,
  inviteDetailSchema,
} from '../../lambda/contract/schemas';
import { explainInvalid } from '../../lambda/core/validation';
import { ADMIN, sdkConfig } from '../support/aws';
import { agent, api, httpRequestBytes, outputs } from '../support/cloud';
import { newCaller, newDispatcher, newOrg, openInvite, postForm, sha256Hex } from '../support/invites';
import { expectProblem } from '../support/problems';

/** The caller's side of "show me": consent details, photos, location and stop, all by the link. */
describe('caller routes', () => {
  test('the consent screen learns who asks, until when, in which language; the first call binds the link', async () => {
    const org = await newOrg();
    const dispatcher = await newDispatcher(org.orgId);
    const { invite, token } = await openInvite(dispatcher, 'CASE-7');
    const caller = await newCaller();
    const answer = await caller.call('getCitizenInvite', token);
    expect(answer.status).toBe(200);
    const body = answer.json();
    expect(explainInvalid(citizenInviteSchema, body)).toBeNull();
    expect(body).toEqual({
      organisationName: org.name,
      reference: 'CASE-7',
      status: 'opened',
      expiresAt: invite.expiresAt,
      locale: 'en',
      photoRetentionDays: 30,
    });
    const listed = (await api('listInvites', { token: dispatcher.idToken })).json();
    expect(listed.invites[0]).toMatchObject({ inviteId: invite.inviteId, status: 'opened' });
  });

  test('photos: a presigned POST for exactly the declared photo, then newest first with matching SHA-256', async () => {
    const org = await newOrg();
    const dispatcher = await newDispatcher(org.orgId);
    const { invite, token } = await openInvite(dispatcher);
    const caller = await newCaller();
    const sent: { photoId: string; sha256: string; bytes: Buffer }[] = [];
    for (const contentType of ['image/jpeg', 'image/webp'] as const) {
      const bytes = randomBytes(2048 + sent.length);
      const sha256 = sha256Hex(bytes);
      const answer = await caller.call('createCitizenPhoto', token, {
        contentType,
        size: bytes.length,
        sha256,
      });
      expect(answer.status).toBe(201);
      const photo = answer.json();
      expect(explainInvalid(citizenPhotoResponseSchema, photo)).toBeNull();
      expect(photo.upload.fields.key).toBe(`invites/${invite.inviteId}/${photo.photoId}`);
      expect((await postForm(photo.upload, bytes)).status).toBe(204);
      sent.push({ photoId: photo.photoId, sha256, bytes });
      await new Promise((r) => setTimeout(r, 5));
    }
    // A promised photo that never arrives does not show.
    const ghost = randomBytes(100);
    await caller.call('createCitizenPhoto', token, {
      contentType: 'image/png',
      size: 100,
      sha256: sha256Hex(ghost),
    });

    const detail = await api('getInvite', {
      token: dispatcher.idToken,
      params: { inviteId: invite.inviteId },
    });
    expect(detail.status).toBe(200);
    const body = detail.json();
    expect(explainInvalid(inviteDetailSchema, body)).toBeNull();
    expect(body.photos.map((p: { photoId: string }) => p.photoId)).toEqual([
      sent[1]!.photoId,
      sent[0]!.photoId,
    ]);
    for (const [i, photo] of (
      body.photos as { photoId: string; sha256: string; contentType: string }[]
    ).entries()) {
      const expected = sent[1 - i]!;
      expect(photo.sha256).toBe(expected.sha256);
      // Full-size bytes only by a reveal, which is audited and gives a fresh short-lived URL.
      const reveal = await api('revealPhoto', {
        token: dispatcher.idToken,
        params: { inviteId: invite.inviteId, photoId: photo.photoId },
      });
      expect(reveal.status).toBe(200);
      const fetched = await httpRequestBytes(reveal.json().url);
      expect(fetched.status).toBe(200);
      expect(sha256Hex(fetched.body)).toBe(expected.sha256);
      expect(fetched.contentType).toBe(photo.contentType);
    }

    // An unknown photo is 404.
    expectProblem(
      await api('revealPhoto', {
        token: dispatcher.idToken,
        params: { inviteId: invite.inviteId, photoId: 'ph_000000000AAAAAAAAAAAAAAAA' },
      }),
      404,
      'NOT_FOUND',
    );
  });

  test('the upload policy refuses an oversized, a wrong-type or a re-keyed upload', async () => {
    const org = await newOrg();
    const dispatcher = await newDispatcher(org.orgId);
    const { token } = await openInvite(dispatcher);
    const caller = await newCaller();
    const bytes = randomBytes(1000);
    const answer = await caller.call('createCitizenPhoto', token, {
      contentType: 'image/jpeg',
      size: bytes.length,
      sha256: sha256Hex(bytes),
    });
    const { upload } = answer.json();
    const bigger = Buffer.concat([bytes, Buffer.from([0])]);
    const tooBig = await postForm(upload, bigger);
    expect(tooBig.status).toBe(400);
    expect(tooBig.text).toContain('<Code>EntityTooLarge</Code>');
    const tooSmall = await postForm(upload, bytes.subarray(1));
    expect(tooSmall.text).toContain('<Code>EntityTooSmall</Code>');
    const html = await postForm(upload, bytes, { 'Content-Type': 'text/html' });
    expect(html.status).toBe(403);
    expect(html.text).toContain('<Code>AccessDenied</Code>');
    const elsewhere = await postForm(upload, bytes, { key: 'invites/inv_other/ph_x' });
    expect(elsewhere.status).toBe(403);
    const otherHash = await postForm(upload, bytes, { 'x-amz-meta-sha256': 'f'.repeat(64) });
    expect(otherHash.status).toBe(403);
    const extra = await postForm(upload, bytes, { 'x-amz-meta-note': 'hi' });
    expect(extra.status).toBe(403);
    const forged = await postForm(upload, bytes, { 'X-Amz-Signature': '0'.repeat(64) });
    expect(forged.status).toBe(403);
    expect(forged.text).toContain('SignatureDoesNotMatch');
    // The contract itself refuses a type or size outside the allowed ones.
    expectProblem(
      await caller.call('createCitizenPhoto', token, {
        contentType: 'image/gif',
        size: 10,
        sha256: 'a'.repeat(64),
      }),
      400,
      'INVALID_REQUEST',
    );
    expectProblem(
      await caller.call('createCitizenPhoto', token, {
        contentType: 'image/jpeg',
        size: 10 * 1024 * 1024 + 1,
        sha256: 'a'.repeat(64),
      }),
      400,
      'INVALID_REQUEST',
    );
    // The right upload still works.
    expect((await postForm(upload, bytes)).status).toBe(204);
  });

  test('location: validated, kept as the latest on the invite', async () => {
    const org = await newOrg();
    const dispatcher = await newDispatcher(org.orgId);
    const { invite, token } = await openInvite(dispatcher);
    const caller = await newCaller();
    const first = {
      latitude: 50.8466,
      longitude: 4.3528,
      accuracy: 35,
      capturedAt: new Date().toISOString(),
    };
    expect((await caller.call('putCitizenLocation', token, first)).status).toBe(204);
    const second = { ...first, latitude: 50.85, accuracy: 8, capturedAt: new Date().toISOString() };
    expect((await caller.call('putCitizenLocation', token, second)).status).toBe(204);
    for (const bad of [
      { ...first, latitude: 91 },
      { ...first, longitude: -180.5 },
      { ...first, accuracy: -1 },
      { ...first, capturedAt: 'yesterday-ish-but-long-enough' },
      { ...first, capturedAt: new Date(Date.now() + 3600_000).toISOString() },
    ]) {
      expectProblem(await caller.call('putCitizenLocation', token, bad), 400, 'INVALID_REQUEST');
    }
    const detail = (
      await api('getInvite', { token: dispatcher.idToken, params: { inviteId: invite.inviteId } })
    ).json();
    expect(detail.location).toEqual(second);
  });

  test('stop: the caller ends the invite, its channel goes, and the link stops', async () => {
    const org = await newOrg();
    const dispatcher = await newDispatcher(org.orgId);
    const { invite, token } = await openInvite(dispatcher);
    const caller = await newCaller();
    expect((await caller.call('createCitizenSession', token)).status).toBe(201);
    expect((await caller.call('endCitizenSession', token)).status).toBe(204);
    expectProblem(await caller.call('createCitizenSession', token), 410, 'INVITE_ENDED');
    const detail = (
      await api('getInvite', { token: dispatcher.idToken, params: { inviteId: invite.inviteId } })
    ).json();
    expect(detail.status).toBe('ended');
    const admin = new KinesisVideoClient(sdkConfig(agent, ADMIN, outputs.awsEndpoints.kinesisvideo!));
    await expect(
      admin.send(new DescribeSignalingChannelCommand({ ChannelName: `invite-${invite.inviteId}` })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    admin.destroy();
  });
});
