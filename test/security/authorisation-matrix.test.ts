import { AdminAddUserToGroupCommand, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { signLinkRequest } from '../../lambda/contract/link-proof';
import { liveRoutes, type Access, type OperationId, type RouteSpec } from '../../lambda/contract/routes';
import {
  api,
  cognito,
  newDevice,
  newUser,
  outputs,
  type HttpAnswer,
  type TestUser,
  mintBody,
} from '../support/cloud';
import { createRng } from '../support/fuzz/prng';
import { exampleFor, type Schema } from '../support/fuzz/schema-values';
import { snapshot, snapshotSize } from '../support/fuzz/state';
import { claimsOf, resign, tamperClaims, tamperSignature, unsigned } from '../support/fuzz/tokens';
import {
  newCaller,
  newDispatcher,
  newOrg,
  openInvite,
  postForm,
  sha256Hex,
  type TestCaller,
} from '../support/invites';
import { expectProblem } from '../support/problems';

/**
 * The authorisation matrix (docs/design.md §4): every live route of the route table, called by every
 * persona that must be refused for its access kind, gets the right 401, 403, 404 or 410 as
 * problem+json and changes nothing in any table. The matrix is generated from `routes`, so a
 * route that goes live is covered the moment it does; the completeness checks at the end fail if
 * an access kind or a route ends up without personas.
 */

interface Fixtures {
  ownerA: TestUser;
  ownerB: TestUser;
  device: { serial: string; secret: string };
  dispatcherA: TestUser;
  dispatcherB: TestUser;
  orphanDispatcher: TestUser;
  orgClaimOnly: TestUser;
  accessTokenA: string;
  params: Record<string, string>;
  /** Invite X, bound to `callerX`; invite Y, bound to `callerY`. */
  callerX: TestCaller;
  tokenX: string;
  tokenY: string;
  revoked: { caller: TestCaller; token: string };
  expired: { caller: TestCaller; token: string };
  ended: { caller: TestCaller; token: string };
  markers: string[];
}

type Request = Parameters<typeof api>[1];
interface Expectation {
  status: number;
  code: string;
}
interface Persona {
  name: string;
  /** Builds the request. */
  request: (op: OperationId, route: RouteSpec, f: Fixtures) => Promise<Request>;
  /** Whether the persona applies to this route at all (default: it does). */
  appliesTo?: (op: OperationId) => boolean;
  expect: Expectation | ((op: OperationId, route: RouteSpec) => Expectation | 'scoped');
}

const UNAUTHORIZED: Expectation = { status: 401, code: 'UNAUTHORIZED' };
const rng = createRng();

/** A well-formed body for a signed-in route (the persona's identity is what is wrong). */
function bodyFor(op: OperationId, route: RouteSpec, f: Fixtures): Request {
  if (!route.request) return {};
  const overrides: Record<string, unknown> = { serial: f.device.serial, secret: f.device.secret };
  return { body: exampleFor(route.request as Schema, rng, overrides) };
}

const withToken =
  (token: (f: Fixtures) => string) =>
  async (op: OperationId, route: RouteSpec, f: Fixtures): Promise<Request> => ({
    ...bodyFor(op, route, f),
    params: f.params,
    token: token(f),
  });

/** Personas every signed-in route refuses at the authorizer. */
const signedInPersonas: Persona[] = [
  {
    name: 'no token',
    request: async (op, r, f) => ({ ...bodyFor(op, r, f), params: f.params }),
    expect: UNAUTHORIZED,
  },
  {
    name: 'an expired token (genuine signature)',
    request: withToken((f) => {
      const now = Math.floor(Date.now() / 1000);
      return resign(f.ownerA.idToken, { iat: now - 7200, auth_time: now - 7200, exp: now - 3600 });
    }),
    expect: UNAUTHORIZED,
  },
  {
    name: 'a tampered signature',
    request: withToken((f) => tamperSignature(f.ownerA.idToken)),
    expect: UNAUTHORIZED,
  },
  {
    name: 'tampered claims (another sub, original signature)',
    request: withToken((f) => tamperClaims(f.ownerA.idToken, { sub: f.ownerB.sub })),
    expect: UNAUTHORIZED,
  },
  {
    name: 'an unsigned token (alg none)',
    request: withToken((f) => unsigned(f.ownerA.idToken)),
    expect: UNAUTHORIZED,
  },
  {
    name: 'a token signed by another key',
    request: withToken((f) => resign(f.ownerA.idToken, {}, 'stranger')),
    expect: UNAUTHORIZED,
  },
  {
    name: 'a token for another app client',
    request: withToken((f) => resign(f.ownerA.idToken, { aud: 'another-app-client' })),
    expect: UNAUTHORIZED,
  },
  {
    name: 'a token from another user pool',
    request: withToken((f) =>
      resign(f.ownerA.idToken, { iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Another' }),
    ),
    expect: UNAUTHORIZED,
  },
  { name: 'an access token', request: withToken((f) => f.accessTokenA), expect: UNAUTHORIZED },
  {
    name: 'an ID token re-labelled token_use=access',
    request: withToken((f) => resign(f.ownerA.idToken, { token_use: 'access' })),
    expect: UNAUTHORIZED,
  },
];

/**
 * Routes without a path parameter act on the caller's own records: another owner or organisation
 * calling them is not refused, it sees (or makes) its own. Each such route says here what
 * "another owner" means for it; a new one fails the matrix until it is added.
 */
const ownScope: Partial<
  Record<OperationId, 'no-leak' | { status: number; code: string } | 'not-applicable'>
> = {
  listDevices: 'no-leak',
  // The body names owner A's device: binding it again is refused without saying more.
  bindDevice: { status: 409, code: 'DEVICE_ALREADY_BOUND' },
  listInvites: 'no-leak',
  // The body names no record: another organisation's dispatcher makes an invite of its own.
  createInvite: 'not-applicable',
};

const otherOwnerExpectation = (op: OperationId, route: RouteSpec): Expectation | 'scoped' => {
  if (route.params) return { status: 404, code: 'NOT_FOUND' };
  const scope = ownScope[op];
  if (scope === undefined) throw new Error(`${op} has no path parameter and no entry in ownScope`);
  return typeof scope === 'object' ? scope : 'scoped';
};

const userPersonas: Persona[] = [
  { name: 'another owner', request: withToken((f) => f.ownerB.idToken), expect: otherOwnerExpectation },
];

const FORBIDDEN: Expectation = { status: 403, code: 'FORBIDDEN' };
const dispatcherPersonas: Persona[] = [
  { name: 'a signed-in non-dispatcher', request: withToken((f) => f.ownerB.idToken), expect: FORBIDDEN },
  {
    name: 'a dispatchers-group member without an organisation',
    request: withToken((f) => f.orphanDispatcher.idToken),
    expect: FORBIDDEN,
  },
  {
    name: 'an organisation claim without the dispatchers group',
    request: withToken((f) => f.orgClaimOnly.idToken),
    expect: FORBIDDEN,
  },
  {
    name: 'a dispatcher of another organisation',
    request: withToken((f) => f.dispatcherB.idToken),
    appliesTo: (op) => ownScope[op] !== 'not-applicable',
    expect: otherOwnerExpectation,
  },
];

/** A caller request as the caller's page signs it, for one of the fixture callers. */
async function signed(route: RouteSpec, caller: TestCaller, token: string, at?: Date): Promise<Request> {
  const example = exampleFor(route.request as Schema, rng, { token }) as Record<string, unknown>;
  delete example.proof;
  return {
    body: await signLinkRequest(caller.keys, { method: route.method, path: route.path, body: example }, at),
  };
}

const linkPersonas: Persona[] = [
  {
    name: 'a caller holding the token of another invite',
    request: async (_op, route, f) => signed(route, f.callerX, f.tokenY),
    expect: { status: 403, code: 'LINK_IN_USE' },
  },
  {
    name: 'an unknown token',
    request: async (_op, route, f) => signed(route, f.callerX, randomBytes(32).toString('base64url')),
    expect: { status: 404, code: 'NOT_FOUND' },
  },
  {
    name: 'the bound caller of a revoked invite',
    request: async (_op, route, f) => signed(route, f.revoked.caller, f.revoked.token),
    expect: { status: 410, code: 'INVITE_REVOKED' },
  },
  {
    name: 'the bound caller of an expired invite',
    request: async (_op, route, f) => signed(route, f.expired.caller, f.expired.token),
    expect: { status: 410, code: 'INVITE_EXPIRED' },
  },
  {
    name: 'the bound caller of an ended invite',
    request: async (_op, route, f) => signed(route, f.ended.caller, f.ended.token),
    expect: { status: 410, code: 'INVITE_ENDED' },
  },
  {
    name: 'a proof signed for another route',
    request: async (_op, route, f) => {
      const other = { ...route, path: route.path === '/citizen/end' ? '/citizen/invite' : '/citizen/end' };
      return signed(other, f.callerX, f.tokenX);
    },
    expect: { status: 401, code: 'LINK_PROOF_INVALID' },
  },
  {
    name: 'a stale proof',
    request: async (_op, route, f) => signed(route, f.callerX, f.tokenX, new Date(Date.now() - 15 * 60_000)),
    expect: { status: 401, code: 'LINK_PROOF_INVALID' },
  },
  {
    name: 'no proof at all',
    request: async (_op, route, f) => {
      const example = exampleFor(route.request as Schema, rng, { token: f.tokenX }) as Record<
        string,
        unknown
      >;
      delete example.proof;
      return { body: example };
    },
    expect: { status: 400, code: 'INVALID_REQUEST' },
  },
];

const personasByAccess: Record<Access, Persona[]> = {
  user: [...signedInPersonas, ...userPersonas],
  dispatcher: [...signedInPersonas, ...dispatcherPersonas],
  link: linkPersonas,
};

/** The personas a route is called by: every one of its access kind that applies to it. */
const personasOf = (op: OperationId, route: RouteSpec) =>
  personasByAccess[route.access].filter((p) => p.appliesTo?.(op) ?? true);

const matrix = liveRoutes().flatMap(([op, route]) =>
  personasOf(op, route).map((persona) => ({ op, route, persona })),
);

async function accessToken(user: TestUser): Promise<string> {
  const auth = await cognito.send(
    new InitiateAuthCommand({
      ClientId: outputs.userPoolClientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: user.username, PASSWORD: user.password },
    }),
  );
  return auth.AuthenticationResult!.AccessToken!;
}

async function boundInvite(dispatcher: TestUser) {
  const opened = await openInvite(dispatcher);
  const caller = await newCaller();
  const first = await caller.call('getCitizenInvite', opened.token);
  if (first.status !== 200) throw new Error(`getCitizenInvite answered ${first.status}: ${first.text}`);
  return { ...opened, caller };
}

let f: Fixtures;
const tally = { calls: 0, refused: 0, scoped: 0 };

beforeAll(async () => {
  const [ownerA, ownerB, device, orgA, orgB] = await Promise.all([
    newUser(),
    newUser(),
    newDevice(),
    newOrg(),
    newOrg(),
  ]);
  expect((await api('bindDevice', { token: ownerA.idToken, body: device })).status).toBe(201);
  const [dispatcherA, dispatcherB, orphanDispatcher, orgClaimOnly] = await Promise.all([
    newDispatcher(orgA.orgId),
    newDispatcher(orgB.orgId),
    newUser(),
    newUser([{ Name: 'custom:orgId', Value: orgA.orgId }]),
  ]);
  await cognito.send(
    new AdminAddUserToGroupCommand({
      UserPoolId: outputs.userPoolId,
      Username: orphanDispatcher.username,
      GroupName: 'dispatchers',
    }),
  );
  const { signIn } = await import('../support/cloud');
  orphanDispatcher.idToken = await signIn(orphanDispatcher.username, orphanDispatcher.password);
  expect(claimsOf(orphanDispatcher.idToken)['cognito:groups']).toEqual(['dispatchers']);

  const [x, y, revoked, expired, ended] = await Promise.all([
    boundInvite(dispatcherA),
    boundInvite(dispatcherA),
    boundInvite(dispatcherA),
    boundInvite(dispatcherA),
    boundInvite(dispatcherA),
  ]);
  // A photo of invite X, for the reveal route.
  const bytes = randomBytes(64);
  const photo = (
    await x.caller.call('createCitizenPhoto', x.token, {
      contentType: 'image/png',
      size: 64,
      sha256: sha256Hex(bytes),
    })
  ).json() as { photoId: string; upload: { url: string; fields: Record<string, string> } };
  expect((await postForm(photo.upload, bytes)).status).toBe(204);
  expect(
    (await api('revokeInvite', { token: dispatcherA.idToken, params: { inviteId: revoked.invite.inviteId } }))
      .status,
  ).toBe(204);
  expect((await ended.caller.call('endCitizenSession', ended.token)).status).toBe(204);
  // A viewing session of invite X, for the session routes: another owner or organisation must not
  // reach it even by its real client id.
  const minted = await api('createInviteSession', {
    body: mintBody(),
    token: dispatcherA.idToken,
    params: { inviteId: x.invite.inviteId },
  });
  expect(minted.status).toBe(201);
  const { clientId } = minted.json() as { clientId: string };
  // Expired: its lifetime is over.
  const { ddb } = await import('../../lambda/core/clients');
  await ddb.send(
    new UpdateCommand({
      TableName: outputs.tables.invites,
      Key: { inviteId: expired.invite.inviteId },
      UpdateExpression: 'SET expiresAt = :past',
      ExpressionAttributeValues: { ':past': new Date(Date.now() - 60_000).toISOString() },
    }),
  );
  // Then swept, as the scheduled cleanup does (its channel aside), so that the cloud's own timer
  // does not change the invite while the matrix watches it.
  const { getInvite, stopInvite } = await import('../../lambda/core/invites');
  // (The timer may win the race; either way the invite ends up expired.)
  await stopInvite((await getInvite(expired.invite.inviteId))!, 'expired', {
    actor: 'system.expire-invites',
  });
  expect((await getInvite(expired.invite.inviteId))?.status).toBe('expired');

  f = {
    ownerA,
    ownerB,
    device,
    dispatcherA,
    dispatcherB,
    orphanDispatcher,
    orgClaimOnly,
    accessTokenA: await accessToken(ownerA),
    params: { deviceId: device.serial, inviteId: x.invite.inviteId, photoId: photo.photoId, clientId },
    callerX: x.caller,
    tokenX: x.token,
    tokenY: y.token,
    revoked: { caller: revoked.caller, token: revoked.token },
    expired: { caller: expired.caller, token: expired.token },
    ended: { caller: ended.caller, token: ended.token },
    markers: [
      ownerA.sub,
      ownerB.sub,
      device.serial,
      orgA.orgId,
      orgB.orgId,
      dispatcherA.sub,
      dispatcherB.sub,
      ...[x, y, revoked, expired, ended].map((i) => i.invite.inviteId),
    ],
  };
}, 120_000);

afterAll(() => {
  // The size of the matrix, for the record.
  console.log(
    `authorisation matrix: ${liveRoutes().length} live routes, ${matrix.length} route × persona cases, ` +
      `${tally.calls} calls (${tally.refused} refused, ${tally.scoped} answered with the caller's own records only)`,
  );
});

function assertAnswer(answer: HttpAnswer, expected: Expectation | 'scoped', f: Fixtures) {
  expect(answer.status).toBeLessThan(500);
  if (expected === 'scoped') {
    expect(answer.status).toBe(200);
    for (const id of [f.device.serial, f.params.inviteId!]) expect(answer.text).not.toContain(id);
    tally.scoped++;
    return;
  }
  expectProblem(answer, expected.status, expected.code);
  tally.refused++;
}

describe.each(liveRoutes().map(([op, route]) => [`${route.method} ${route.path}`, op, route] as const))(
  '%s',
  (_name, op, route) => {
    test.each(personasOf(op, route).map((p) => [p.name, p] as const))(
      'as %s: refused, nothing changes',
      async (_persona, persona) => {
        const request = await persona.request(op, route, f);
        const expected = typeof persona.expect === 'function' ? persona.expect(op, route) : persona.expect;
        const before = await snapshot(f.markers);
        const answer = await api(op, request);
        tally.calls++;
        assertAnswer(answer, expected, f);
        expect(await snapshot(f.markers)).toEqual(before);
      },
    );
  },
);

describe('the matrix is complete', () => {
  test('every live route is in it, with every persona of its access kind', () => {
    const live = liveRoutes();
    expect(live.length).toBeGreaterThan(0);
    for (const [op, route] of live) {
      const rows = matrix.filter((m) => m.op === op);
      // A persona is left out only where ownScope says another owner does not apply.
      const leftOut = personasByAccess[route.access]
        .filter((p) => !rows.some((r) => r.persona === p))
        .map((p) => p.name);
      const expected = ownScope[op] === 'not-applicable' ? ['a dispatcher of another organisation'] : [];
      expect({ op, leftOut }).toEqual({ op, leftOut: expected });
      expect({ op, personas: rows.length }).toEqual({
        op,
        personas: personasByAccess[route.access].length - expected.length,
      });
    }
  });

  test('every access kind has personas, and every route without parameters says what another owner means', () => {
    for (const access of ['user', 'dispatcher', 'link'] as const)
      expect(personasByAccess[access].length).toBeGreaterThan(5);
    for (const [op, route] of liveRoutes()) {
      if (route.access !== 'link' && !route.params)
        expect({ op, scope: ownScope[op] }).toEqual({ op, scope: expect.anything() });
    }
  });

  test('the snapshot watches the fixtures', async () => {
    expect(snapshotSize(await snapshot(f.markers))).toBeGreaterThan(10);
  });
});
