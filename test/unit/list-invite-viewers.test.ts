import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { MFA_CLAIM, MFA_TOTP } from '../../lambda/contract/mfa';
import { viewersResponseSchema } from '../../lambda/contract/schemas';
import type { InviteItem } from '../../lambda/core/invites';
import { explainInvalid } from '../../lambda/core/validation';
import type { ViewerSessionItem } from '../../lambda/core/viewer-sessions';

/**
 * GET /invites/{inviteId}/viewers without a cloud: who the caller's page reported connected,
 * counted only while their sessions are live, and the recent sessions as the panel shows them.
 */

const ORG = 'org_unit';
const DISPATCHER = '6a1f0c9e-2b4d-4c8e-9f3a-1d2e3f4a5b6c';
const now = Date.now();
const iso = (offsetMs: number) => new Date(now + offsetMs).toISOString();
// Client ids as minting makes them.
const LIVE = 'viewer-LiveLiveLiveLiveLive00';
const ENDED = 'viewer-EndedEndedEndedEnded00';

const mockInvite = jest.fn<Promise<InviteItem>, [string, string]>();
const mockRecent = jest.fn<Promise<ViewerSessionItem[]>, [string]>();

// The tables stay out of a unit test: the handler's decisions are what is tested.
jest.mock('../../lambda/core/invites', () => ({
  ...jest.requireActual('../../lambda/core/invites'),
  getOrgInvite: (inviteId: string, orgId: string) => mockInvite(inviteId, orgId),
}));
jest.mock('../../lambda/core/viewer-sessions', () => ({
  ...jest.requireActual('../../lambda/core/viewer-sessions'),
  recentSessions: (subject: string) => mockRecent(subject),
}));

let handler: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
beforeAll(async () => {
  ({ handler } = await import('../../lambda/handlers/list-invite-viewers'));
});

function event(): APIGatewayProxyEvent {
  return {
    body: null,
    headers: {},
    pathParameters: { inviteId: 'inv_0123456789abcdef0123' },
    requestContext: {
      requestId: 'r-1',
      authorizer: {
        claims: {
          sub: DISPATCHER,
          token_use: 'id',
          'cognito:groups': 'dispatchers',
          'custom:orgId': ORG,
          [MFA_CLAIM]: MFA_TOTP,
        },
      },
    },
  } as unknown as APIGatewayProxyEvent;
}

function session(clientId: string, overrides: Partial<ViewerSessionItem> = {}): ViewerSessionItem {
  return {
    subject: 'invite#inv_0123456789abcdef0123',
    clientId,
    sub: DISPATCHER,
    mintedBy: 'dispatcher@example.com',
    mintedAt: iso(-60_000),
    expiresAt: iso(840_000),
    expiresAtEpoch: Math.floor((now + 4_440_000) / 1000),
    fingerprint: `sha-256 ${Array(32).fill('AB').join(':')}`,
    ...overrides,
  };
}

function invite(overrides: Partial<InviteItem> = {}): InviteItem {
  return {
    inviteId: 'inv_0123456789abcdef0123',
    orgId: ORG,
    createdAt: iso(-120_000),
    createdBy: DISPATCHER,
    phoneNumberMasked: '+32 •••••••33',
    phoneHash: 'h',
    locale: 'en',
    status: 'live',
    tokenHash: 't',
    channelName: 'invite-x',
    channelArn: 'arn:aws:kinesisvideo:eu-west-1:123456789012:channel/invite-x/1',
    expiresAt: iso(3_000_000),
    expiresAtEpoch: Math.floor((now + 90_000_000) / 1000),
    expiryQueue: 'active',
    sms: { status: 'sent' },
    viewersConnected: [LIVE, ENDED],
    viewersReportedAt: iso(-2000),
    ...overrides,
  } as InviteItem;
}

test('a reported viewer counts as connected only while its session is live', async () => {
  mockInvite.mockResolvedValue(invite());
  mockRecent.mockResolvedValue([session(LIVE), session(ENDED, { endedAt: iso(-1000), endedBy: DISPATCHER })]);
  const res = await handler(event());
  expect(res.statusCode).toBe(200);
  const body = JSON.parse(res.body) as {
    connected: number;
    sessions: { clientId: string; connected: boolean; status: string }[];
  };
  expect(explainInvalid(viewersResponseSchema, body)).toBeNull();
  // The caller's page still reports the ended one until its next report: it is not counted.
  expect(body.connected).toBe(1);
  expect(body.sessions.map((s) => [s.clientId, s.status, s.connected])).toEqual([
    [LIVE, 'active', true],
    [ENDED, 'ended', false],
  ]);
  expect(mockInvite).toHaveBeenCalledWith('inv_0123456789abcdef0123', ORG);
});

test('a stopped invite has nobody connected, whatever the caller last reported', async () => {
  mockInvite.mockResolvedValue(invite({ status: 'revoked', expiryQueue: undefined }));
  mockRecent.mockResolvedValue([session(LIVE, { endedAt: iso(-500), endedBy: DISPATCHER })]);
  const body = JSON.parse((await handler(event())).body) as { connected: number };
  expect(body.connected).toBe(0);
});
