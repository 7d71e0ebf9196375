import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { MFA_CLAIM, MFA_TOTP } from '../../lambda/contract/mfa';
import { listInvitesResponseSchema } from '../../lambda/contract/schemas';
import type { InviteItem } from '../../lambda/core/invites';
import type { OrganisationItem } from '../../lambda/core/organisations';
import { explainInvalid } from '../../lambda/core/validation';

/** GET /invites without a cloud: the organisation's page of invites and the countries it may text. */

const ORG = 'org_unit';
const mockList = jest.fn<Promise<{ items: InviteItem[]; nextCursor?: string }>, [string, string | undefined]>(
  async () => ({ items: [] }),
);
const mockOrg = jest.fn<Promise<OrganisationItem | undefined>, [string]>();

// The tables stay out of a unit test: the handler's decisions are what is tested.
jest.mock('../../lambda/core/invites', () => ({
  ...jest.requireActual('../../lambda/core/invites'),
  listOrgInvites: (orgId: string, cursor?: string) => mockList(orgId, cursor),
}));
jest.mock('../../lambda/core/organisations', () => ({
  getOrganisation: (orgId: string) => mockOrg(orgId),
}));

let handler: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
beforeAll(async () => {
  ({ handler } = await import('../../lambda/handlers/list-invites'));
});

function event(): APIGatewayProxyEvent {
  return {
    body: null,
    headers: {},
    queryStringParameters: null,
    requestContext: {
      requestId: 'r-1',
      authorizer: {
        claims: {
          sub: 'dispatcher-sub',
          token_use: 'id',
          'cognito:groups': 'dispatchers',
          'custom:orgId': ORG,
          [MFA_CLAIM]: MFA_TOTP,
        },
      },
    },
  } as unknown as APIGatewayProxyEvent;
}

test("answers the organisation's allowed countries with its invites, for the invite form", async () => {
  mockOrg.mockResolvedValue({
    orgId: ORG,
    name: 'Unit Centre',
    smsCredits: 5,
    allowedCountries: ['FR', 'DE'],
    inviteLifetimeSeconds: 3600,
    photoRetentionDays: 30,
    locale: 'en',
  } as OrganisationItem);
  const res = await handler(event());
  expect(res.statusCode).toBe(200);
  const body = JSON.parse(res.body) as unknown;
  expect(explainInvalid(listInvitesResponseSchema, body)).toBeNull();
  expect(body).toEqual({ invites: [], allowedCountries: ['FR', 'DE'] });
  expect(mockOrg).toHaveBeenCalledWith(ORG);
  expect(mockList).toHaveBeenCalledWith(ORG, undefined);
});
