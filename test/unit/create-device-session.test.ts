import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { sessionSchema } from '../../lambda/contract/schemas';
import type { DeviceItem } from '../../lambda/core/devices';
import type { SessionServices } from '../../lambda/core/sessions';
import { explainInvalid } from '../../lambda/core/validation';

const OWNER = '8f2c6a8e-3b7d-4e52-9c1a-2f0b7d5e4a11';
const CHANNEL = 'arn:aws:kinesisvideo:eu-west-1:123456789012:channel/SL-0001/1606901298484';
const VIEWER_ROLE_ARN = 'arn:aws:iam::123456789012:role/viewer';

const mockGetDevice = jest.fn<Promise<DeviceItem | undefined>, [string]>();
const mockServices = {
  assumeRole: jest.fn(async () => ({
    accessKeyId: 'ASIAEXAMPLE',
    secretAccessKey: 'secret',
    sessionToken: 'token',
    expiration: new Date(Date.now() + 900_000),
  })),
  getEndpoints: jest.fn(async () => ({ wss: 'wss://m-1.example', https: 'https://r-1.example' })),
  getIceServers: jest.fn(async () => [
    { Uris: ['turn:t.example:443'], Username: 'u', Password: 'p', Ttl: 300 },
  ]),
  audit: jest.fn(async () => undefined),
} satisfies SessionServices;

// The device table and AWS stay out of a unit test: the handler's decisions are what is tested.
jest.mock('../../lambda/core/devices', () => ({ getDevice: (serial: string) => mockGetDevice(serial) }));
jest.mock('../../lambda/core/sessions', () => ({
  ...jest.requireActual('../../lambda/core/sessions'),
  awsSessionServices: () => mockServices,
}));

let handler: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  process.env.VIEWER_ROLE_ARN = VIEWER_ROLE_ARN;
  ({ handler } = await import('../../lambda/handlers/create-device-session'));
});

beforeEach(() => jest.clearAllMocks());

function event(sub: string, deviceId = 'SL-0001'): APIGatewayProxyEvent {
  return {
    body: null,
    headers: {},
    pathParameters: { deviceId },
    requestContext: { requestId: 'r-1', authorizer: { claims: { sub, token_use: 'id' } } },
  } as unknown as APIGatewayProxyEvent;
}

function device(overrides: Partial<DeviceItem> = {}): DeviceItem {
  return {
    serial: 'SL-0001',
    registry: 'devices',
    secretHash: 'x',
    thingName: 'SL-0001',
    registeredAt: '2025-01-01T00:00:00.000Z',
    provisioned: true,
    online: true,
    ownerSub: OWNER,
    channelArn: CHANNEL,
    ...overrides,
  };
}

test("someone else's device is 404, like a missing one, and mints nothing", async () => {
  mockGetDevice.mockResolvedValue(device());
  const theirs = await handler(event('someone-else'));
  mockGetDevice.mockResolvedValue(undefined);
  const missing = await handler(event(OWNER, 'SL-9999'));
  expect(theirs.statusCode).toBe(404);
  expect(JSON.parse(theirs.body)).toMatchObject({ code: 'NOT_FOUND' });
  expect(theirs.body).toBe(missing.body);
  expect(mockServices.assumeRole).not.toHaveBeenCalled();
});

test('a device without a channel yet is 409 DEVICE_NOT_PROVISIONED', async () => {
  mockGetDevice.mockResolvedValue(device({ channelArn: undefined, provisioned: false }));
  const res = await handler(event(OWNER));
  expect(res.statusCode).toBe(409);
  expect(JSON.parse(res.body)).toMatchObject({ code: 'DEVICE_NOT_PROVISIONED' });
  expect(mockServices.assumeRole).not.toHaveBeenCalled();
});

test('the owner gets 201 and a contract Session minted with the configured viewer role', async () => {
  mockGetDevice.mockResolvedValue(device());
  const res = await handler(event(OWNER));
  expect(res.statusCode).toBe(201);
  const session = JSON.parse(res.body) as Record<string, unknown>;
  expect(explainInvalid(sessionSchema, session)).toBeNull();
  expect(session).toMatchObject({ role: 'VIEWER', channelArn: CHANNEL, channelName: 'SL-0001' });
  expect(mockGetDevice).toHaveBeenCalledWith('SL-0001');
  expect(mockServices.assumeRole).toHaveBeenCalledWith(
    expect.objectContaining({ roleArn: VIEWER_ROLE_ARN, sourceIdentity: OWNER, durationSeconds: 900 }),
  );
  expect(mockServices.audit).toHaveBeenCalledWith(
    expect.objectContaining({ subject: 'device#SL-0001', action: 'session.minted', actor: OWNER }),
    expect.objectContaining({ subject: 'device#SL-0001', sub: OWNER, clientId: session.clientId }),
  );
});

test('a failure upstream is a generic 500 that leaks nothing', async () => {
  mockGetDevice.mockResolvedValue(device());
  mockServices.assumeRole.mockRejectedValueOnce(new Error('AccessDenied: arn:aws:iam::123456789012:role/x'));
  const res = await handler(event(OWNER));
  expect(res.statusCode).toBe(500);
  expect(res.body).not.toContain('arn:');
});
