import { randomBytes } from 'node:crypto';
import { api, newUser, mintBody } from '../support/cloud';
import {
  newCaller,
  newDispatcher,
  newMobileNumber,
  newOrg,
  openInvite,
  postForm,
  sendInvite,
  sha256Hex,
} from '../support/invites';
import { expectProblem } from '../support/problems';

/** Who may send and see invites, and the limits that stop the SMS link being used to pump traffic. */
describe('invite isolation and limits', () => {
  test("a dispatcher of organisation B cannot see or touch organisation A's invites or photos", async () => {
    const orgA = await newOrg();
    const orgB = await newOrg();
    const a = await newDispatcher(orgA.orgId);
    const b = await newDispatcher(orgB.orgId);
    const { invite, token } = await openInvite(a);
    const caller = await newCaller();
    const bytes = randomBytes(64);
    const photo = (
      await caller.call('createCitizenPhoto', token, {
        contentType: 'image/png',
        size: 64,
        sha256: sha256Hex(bytes),
      })
    ).json();
    expect((await postForm(photo.upload, bytes)).status).toBe(204);

    const params = { inviteId: invite.inviteId };
    const unknown = { inviteId: 'inv_AAAAAAAAAAAAAAAAAAAAAA' };
    for (const p of [params, unknown]) {
      expectProblem(await api('getInvite', { token: b.idToken, params: p }), 404, 'NOT_FOUND');
      expectProblem(
        await api('createInviteSession', { body: mintBody(), token: b.idToken, params: p }),
        404,
        'NOT_FOUND',
      );
      expectProblem(await api('revokeInvite', { token: b.idToken, params: p }), 404, 'NOT_FOUND');
      expectProblem(
        await api('revealPhoto', { token: b.idToken, params: { ...p, photoId: photo.photoId } }),
        404,
        'NOT_FOUND',
      );
    }
    expect((await api('listInvites', { token: b.idToken })).json().invites).toEqual([]);
    // A's invite is untouched by B's attempts.
    const detail = (await api('getInvite', { token: a.idToken, params })).json();
    expect(detail.status).toBe('opened');
    expect(detail.photos).toHaveLength(1);
  });

  test('only dispatchers with an organisation may use the invite routes', async () => {
    const owner = await newUser();
    expectProblem(await api('listInvites', { token: owner.idToken }), 403, 'FORBIDDEN');
    expectProblem(await sendInvite(owner, { phoneNumber: newMobileNumber() }), 403, 'FORBIDDEN');
    // In the group but with an organisation that does not exist.
    const orphan = await newDispatcher('org_nosuchorganisation');
    expectProblem(await sendInvite(orphan, { phoneNumber: newMobileNumber() }), 403, 'FORBIDDEN');
    expectProblem(await api('listInvites', {}), 401, 'UNAUTHORIZED');
  });

  test('no credits: 402 and no invite is made; the last credit is taken once', async () => {
    const org = await newOrg({ smsCredits: 1 });
    const dispatcher = await newDispatcher(org.orgId);
    const [first, second] = await Promise.all([
      sendInvite(dispatcher, { phoneNumber: newMobileNumber() }),
      sendInvite(dispatcher, { phoneNumber: newMobileNumber() }),
    ]);
    expect([first.status, second.status].sort()).toEqual([201, 402]);
    expectProblem(
      [first, second].find((r) => r.status === 402)!,
      402,
      'NO_CREDITS',
    );
    expectProblem(await sendInvite(dispatcher, { phoneNumber: newMobileNumber() }), 402, 'NO_CREDITS');
    expect((await api('listInvites', { token: dispatcher.idToken })).json().invites).toHaveLength(1);
    const { getOrganisation } = await import('../../lambda/core/organisations');
    expect((await getOrganisation(org.orgId))!.smsCredits).toBe(0);
  });

  test('numbers: E.164 and real (400), from an allowed country (403), mobile', async () => {
    const org = await newOrg({ allowedCountries: ['BE'] });
    const dispatcher = await newDispatcher(org.orgId);
    expectProblem(await sendInvite(dispatcher, { phoneNumber: '+33612345678' }), 403, 'COUNTRY_NOT_ALLOWED');
    expectProblem(await sendInvite(dispatcher, { phoneNumber: '+819012345678' }), 403, 'COUNTRY_NOT_ALLOWED');
    for (const phoneNumber of [
      '0470123456',
      '+32 470 12 34 56',
      '+320000000',
      '+3247012345678901',
      '+9991234567',
    ]) {
      expectProblem(await sendInvite(dispatcher, { phoneNumber }), 400, 'INVALID_REQUEST');
    }
    // A Belgian landline cannot receive the SMS.
    expectProblem(await sendInvite(dispatcher, { phoneNumber: '+3222345678' }), 400, 'INVALID_REQUEST');
    expect((await api('listInvites', { token: dispatcher.idToken })).json().invites).toHaveLength(0);
  });

  test('each number gets at most 3 invites an hour, whichever organisation sends them (429, Retry-After)', async () => {
    const phoneNumber = newMobileNumber();
    for (let i = 0; i < 3; i++) {
      const dispatcher = await newDispatcher((await newOrg()).orgId);
      expect((await sendInvite(dispatcher, { phoneNumber })).status).toBe(201);
    }
    const late = await newDispatcher((await newOrg()).orgId);
    const refused = await sendInvite(late, { phoneNumber });
    expectProblem(refused, 429, 'THROTTLED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(3600);
  });

  test('each dispatcher sends at most 20 invites in 10 minutes (429, Retry-After)', async () => {
    const org = await newOrg({ smsCredits: 30 });
    const dispatcher = await newDispatcher(org.orgId);
    const answers = [];
    for (let i = 0; i < 21; i++)
      answers.push(await sendInvite(dispatcher, { phoneNumber: newMobileNumber() }));
    expect(answers.slice(0, 20).every((a) => a.status === 201)).toBe(true);
    const refused = expectProblem(answers[20]!, 429, 'THROTTLED');
    expect(refused.detail).toContain('20 invites');
    expect(Number(answers[20]!.headers['retry-after'])).toBeGreaterThan(0);
    // Another dispatcher of the same organisation is not held back.
    expect(
      (await sendInvite(await newDispatcher(org.orgId), { phoneNumber: newMobileNumber() })).status,
    ).toBe(201);
  });
});
