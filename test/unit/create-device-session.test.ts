import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { sessionSchema } from '../../lambda/contract/schemas';
import type { VouchedViewer } from '../../lambda/contract/fingerprints';
import type { CameraShadow } from '../../lambda/core/device-shadows';
import type { DeviceItem } from '../../lambda/core/devices';
import type { SessionServices } from '../../lambda/core/sessions';
import { explainInvalid } from '../../lambda/core/validation';

const OWNER = '8f2c6a8e-3b7d-4e52-9c1a-2f0b7d5e4a11';
const CHANNEL = 'arn:aws:kinesisvideo:eu-west-1:123456789012:channel/SL-0001/1606901298484';
const VIEWER_ROLE_ARN = 'arn:aws:iam::123456789012:role/viewer';

const VIEWER_FP = `sha-256 ${Array(32).fill('AB').join(':')}`;
const CAMERA_FP = `sha-256 ${Array(32).fill('CD').join(':')}`;

const mockGetDevice = jest.fn<Promise<DeviceItem | undefined>, [string]>();
const mockShadow = jest.fn<Promise<CameraShadow>, [string]>();
const mockUpdateViewers = jest.fn<Promise<void>, [string, Record<string, VouchedViewer | null>]>(
  async () => undefined,
);
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

// The tables, the shadow and AWS stay out of a unit test: the handler's decisions are what is tested.
jest.mock('../../lambda/core/devices', () => ({
  getDevice: (serial: string) => mockGetDevice(serial),
  thingNameFor: (serial: string) => serial,
}));
jest.mock('../../lambda/core/device-shadows', () => ({
  readCameraShadow: (thing: string) => mockShadow(thing),
  updateAllowedViewers: (thing: string, changes: Record<string, VouchedViewer | null>) =>
    mockUpdateViewers(thing, changes),
}));
jest.mock('../../lambda/core/viewer-sessions', () => ({
  ...jest.requireActual('../../lambda/core/viewer-sessions'),
  recentSessions: async () => [],
  getSession: async (subject: string, clientId: string) => ({
    subject,
    clientId,
    sub: OWNER,
    expiresAt: new Date(Date.now() + 900_000).toISOString(),
  }),
}));
jest.mock('../../lambda/core/sessions', () => ({
  ...jest.requireActual('../../lambda/core/sessions'),
  awsSessionServices: () => mockServices,
}));

let handler: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  process.env.VIEWER_ROLE_ARN = VIEWER_ROLE_ARN;
  ({ handler } = await import('../../lambda/handlers/create-device-session'));
});

beforeEach(() => {
  jest.clearAllMocks();
  mockShadow.mockResolvedValue({
    allowed: { 'viewer-gone': { fingerprint: VIEWER_FP, expiresAt: Date.now() - 1000 } },
    fingerprintFor: () => CAMERA_FP,
    connected: [],
  });
});

function event(
  sub: string,
  deviceId = 'SL-0001',
  body: unknown = { fingerprint: VIEWER_FP },
): APIGatewayProxyEvent {
  return {
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
    pathParameters: { deviceId },
    requestContext: { requestId: 'r-1', authorizer: { claims: { sub, token_use: 'id' } } },
  } as unknown as APIGatewayProxyEvent;
}

function device(overrides: Partial<DeviceItem> = {}): DeviceItem {
  // Bound once, at a moment the re-read after vouching sees unchanged.
  return {
    serial: 'SL-0001',
    registry: 'devices',
    secretHash: 'x',
    thingName: 'SL-0001',
    registeredAt: '2025-01-01T00:00:00.000Z',
    provisioned: true,
    online: true,
    ownerSub: OWNER,
    boundAt: '2025-01-02T00:00:00.000Z',
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

test("a mint without the viewer's fingerprint is 400 and mints nothing", async () => {
  mockGetDevice.mockResolvedValue(device());
  for (const body of [{}, { fingerprint: 'sha-1 AB' }, { fingerprint: VIEWER_FP, extra: 1 }]) {
    const res = await handler(event(OWNER, 'SL-0001', body));
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'INVALID_REQUEST' });
  }
  expect(mockServices.assumeRole).not.toHaveBeenCalled();
  expect(mockUpdateViewers).not.toHaveBeenCalled();
});

test("the owner gets 201, a contract Session minted with the configured viewer role and the camera's fingerprint", async () => {
  mockGetDevice.mockResolvedValue(device());
  const res = await handler(event(OWNER));
  expect(res.statusCode).toBe(201);
  const session = JSON.parse(res.body) as Record<string, unknown>;
  expect(explainInvalid(sessionSchema, session)).toBeNull();
  expect(session).toMatchObject({
    role: 'VIEWER',
    channelArn: CHANNEL,
    channelName: 'SL-0001',
    peerFingerprint: CAMERA_FP,
  });
  // The viewer is vouched for in the camera's shadow before the answer, with the session's
  // expiry; the expired one goes in the same update.
  expect(mockUpdateViewers).toHaveBeenCalledTimes(1);
  expect(mockUpdateViewers).toHaveBeenCalledWith('SL-0001', {
    'viewer-gone': null,
    [session.clientId as string]: {
      fingerprint: VIEWER_FP,
      expiresAt: Date.parse((session.credentials as { expiration: string }).expiration),
    },
  });
  expect(mockGetDevice).toHaveBeenCalledWith('SL-0001');
  expect(mockServices.assumeRole).toHaveBeenCalledWith(
    expect.objectContaining({ roleArn: VIEWER_ROLE_ARN, sourceIdentity: OWNER, durationSeconds: 900 }),
  );
  expect(mockServices.audit).toHaveBeenCalledWith(
    expect.objectContaining({ subject: 'device#SL-0001', action: 'session.minted', actor: OWNER }),
    expect.objectContaining({
      subject: 'device#SL-0001',
      sub: OWNER,
      clientId: session.clientId,
      fingerprint: VIEWER_FP,
    }),
  );
});

test('a failure upstream is a generic 500 that leaks nothing', async () => {
  mockGetDevice.mockResolvedValue(device());
  mockServices.assumeRole.mockRejectedValueOnce(new Error('AccessDenied: arn:aws:iam::123456789012:role/x'));
  const res = await handler(event(OWNER));
  expect(res.statusCode).toBe(500);
  expect(res.body).not.toContain('arn:');
});

test('a camera that changed hands while the session was minted gets no viewer: it is taken out again', async () => {
  // The first read says the caller owns it; the re-read after the shadow write says it was sold.
  mockGetDevice.mockResolvedValueOnce(device()).mockResolvedValueOnce(device({ ownerSub: 'buyer' }));
  const res = await handler(event(OWNER));
  expect(res.statusCode).toBe(404);
  const [vouched, removed] = mockUpdateViewers.mock.calls.map(([, changes]) => changes);
  const clientId = Object.keys(vouched!).find((k) => vouched![k] !== null)!;
  expect(removed).toEqual({ [clientId]: null });
});
