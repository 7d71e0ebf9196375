import { canonicalJson, signLinkRequest } from '../../lambda/contract/link-proof';
import { routes } from '../../lambda/contract/routes';
import { api } from '../support/cloud';
import { newCaller, newDispatcher, newOrg, openInvite } from '../support/invites';
import { expectProblem } from '../support/problems';

/**
 * Invite links: bound to the first browser that opens them, and every caller request must carry a
 * fresh proof from that browser's key. Malformed or unproven requests get a 4xx and change nothing.
 */
async function storedInvite(inviteId: string) {
  const { getInvite } = await import('../../lambda/core/invites');
  return getInvite(inviteId);
}

describe('invite links', () => {
  test('a forwarded link opened by a second browser gets LINK_IN_USE, and the first keeps working', async () => {
    const org = await newOrg();
    const dispatcher = await newDispatcher(org.orgId);
    const { invite, token } = await openInvite(dispatcher);
    const first = await newCaller();
    const second = await newCaller();
    expect((await first.call('getCitizenInvite', token)).status).toBe(200);
    const bound = await storedInvite(invite.inviteId);
    for (const op of ['getCitizenInvite', 'createCitizenSession', 'endCitizenSession'] as const) {
      expectProblem(await second.call(op, token), 403, 'LINK_IN_USE');
    }
    expectProblem(
      await second.call('putCitizenLocation', token, {
        latitude: 1,
        longitude: 1,
        accuracy: 1,
        capturedAt: new Date().toISOString(),
      }),
      403,
      'LINK_IN_USE',
    );
    expect(await storedInvite(invite.inviteId)).toEqual(bound);
    expect((await first.call('createCitizenSession', token)).status).toBe(201);
  });

  test('two browsers opening a fresh link at once: exactly one binds it', async () => {
    const org = await newOrg();
    const dispatcher = await newDispatcher(org.orgId);
    const { token } = await openInvite(dispatcher);
    const callers = await Promise.all([newCaller(), newCaller(), newCaller()]);
    const answers = await Promise.all(callers.map((c) => c.call('getCitizenInvite', token)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 403, 403]);
  });

  describe('malformed or unproven caller requests get a 4xx and change nothing', () => {
    let inviteId: string;
    let token: string;
    let caller: Awaited<ReturnType<typeof newCaller>>;

    beforeAll(async () => {
      const org = await newOrg();
      const dispatcher = await newDispatcher(org.orgId);
      ({
        invite: { inviteId },
        token,
      } = await openInvite(dispatcher));
      caller = await newCaller();
    });

    const sign = async (path: string, body: Record<string, unknown>, at?: Date) =>
      signLinkRequest(caller.keys, { method: 'POST', path, body }, at);
    const raw = (body: unknown) => ({
      rawBody: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json' },
    });

    const cases: [string, () => Promise<Parameters<typeof api>[1]>, number, string][] = [
      ['no proof', async () => raw({ token }), 400, 'INVALID_REQUEST'],
      [
        'no token',
        async () => raw({ proof: (await sign('/citizen/sessions', { token })).proof }),
        400,
        'INVALID_REQUEST',
      ],
      [
        'a short token',
        async () => ({ body: await sign('/citizen/sessions', { token: 'abc' }) }),
        400,
        'INVALID_REQUEST',
      ],
      [
        'an extra field',
        async () => ({ body: await sign('/citizen/sessions', { token, role: 'VIEWER' }) }),
        400,
        'INVALID_REQUEST',
      ],
      [
        'a proof with extra JWK members',
        async () => {
          const body = await sign('/citizen/sessions', { token });
          return raw({
            ...body,
            proof: { ...body.proof, publicKey: { ...body.proof.publicKey, d: 'AAAA' } },
          });
        },
        400,
        'INVALID_REQUEST',
      ],
      [
        'a proof signed for another route',
        async () => ({ body: await sign('/citizen/invite', { token }) }),
        401,
        'LINK_PROOF_INVALID',
      ],
      [
        'a proof ten minutes old',
        async () => ({ body: await sign('/citizen/sessions', { token }, new Date(Date.now() - 600_000)) }),
        401,
        'LINK_PROOF_INVALID',
      ],
      [
        'a signature over another token',
        async () => {
          const body = await sign('/citizen/sessions', { token: 'A'.repeat(43) });
          return raw({ ...body, token });
        },
        401,
        'LINK_PROOF_INVALID',
      ],
      [
        'a zeroed signature',
        async () => {
          const body = await sign('/citizen/sessions', { token });
          return raw({ ...body, proof: { ...body.proof, signature: 'A'.repeat(86) } });
        },
        401,
        'LINK_PROOF_INVALID',
      ],
      [
        'an unknown token, properly signed',
        async () => ({ body: await sign('/citizen/sessions', { token: 'B'.repeat(43) }) }),
        404,
        'NOT_FOUND',
      ],
      [
        'not JSON',
        async () => ({ rawBody: '{"token":', headers: { 'Content-Type': 'application/json' } }),
        400,
        'INVALID_REQUEST',
      ],
      [
        'a form body',
        async () => ({
          rawBody: `token=${token}`,
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      ['a 100 kB body', async () => raw({ token, proof: 'x'.repeat(100_000) }), 400, 'INVALID_REQUEST'],
    ];

    test.each(cases)('%s', async (_label, request, status, code) => {
      const before = await storedInvite(inviteId);
      const answer = await api('createCitizenSession', await request());
      expectProblem(answer, status, code);
      expect(await storedInvite(inviteId)).toEqual(before);
      expect(before!.boundKey).toBeUndefined();
    });

    test('a body re-serialised with other key order still verifies (canonical JSON)', async () => {
      const other = await newCaller();
      const org = await newOrg();
      const { token: fresh } = await openInvite(await newDispatcher(org.orgId));
      const body = await signLinkRequest(other.keys, {
        method: routes.putCitizenLocation.method,
        path: routes.putCitizenLocation.path,
        body: {
          token: fresh,
          latitude: 1.5,
          longitude: 2,
          accuracy: 3,
          capturedAt: new Date().toISOString(),
        },
      });
      const reordered = JSON.parse(canonicalJson(body)) as Record<string, unknown>;
      expect((await api('putCitizenLocation', { body: reordered })).status).toBe(204);
    });
  });
});
