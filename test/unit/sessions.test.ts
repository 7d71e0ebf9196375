import type { IceServer as KvsIceServer } from '@aws-sdk/client-kinesis-video-signaling';
import { sessionSchema } from '../../lambda/contract/schemas';
import type { DeviceItem } from '../../lambda/core/devices';
import { ProblemError } from '../../lambda/core/errors';
import { viewerSessionPolicy } from '../../lambda/core/kvs-policies';
import {
  channelToWatch,
  EndpointCache,
  mintViewerSession,
  newViewerClientId,
  roleSessionName,
  SESSION_SECONDS,
  sourceIdentity,
  stunServer,
  toIceServers,
  type Endpoints,
  type SessionServices,
} from '../../lambda/core/sessions';
import { explainInvalid } from '../../lambda/core/validation';

const SUB = '8f2c6a8e-3b7d-4e52-9c1a-2f0b7d5e4a11';
const CHANNEL = 'arn:aws:kinesisvideo:eu-west-1:123456789012:channel/SL-0001/1606901298484';
const ROLE = 'arn:aws:iam::123456789012:role/viewer';
const ENDPOINTS: Endpoints = {
  wss: 'wss://m-75621fd6.kinesisvideo.eu-west-1.amazonaws.com',
  https: 'https://r-fd57ec7b.kinesisvideo.eu-west-1.amazonaws.com',
};
const TURN: KvsIceServer[] = [
  {
    Uris: ['turn:1-2-3-4.t-1.kinesisvideo.eu-west-1.amazonaws.com:443?transport=udp'],
    Username: '1610088702:djE6YXJu',
    Password: 'H8TZ5pAjOkalNVQJ5UgQt3Godj3URm/3lsfcJYLMwOs=',
    Ttl: 300,
  },
];

function device(overrides: Partial<DeviceItem> = {}): DeviceItem {
  return {
    serial: 'SL-0001',
    registry: 'devices',
    secretHash: 'scrypt$…',
    thingName: 'SL-0001',
    registeredAt: '2025-01-01T00:00:00.000Z',
    provisioned: true,
    online: true,
    ownerSub: SUB,
    channelArn: CHANNEL,
    ...overrides,
  };
}

function problemOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProblemError) return err.problem.code;
    throw err;
  }
  return undefined;
}

describe('who may watch', () => {
  test("the owner gets their device's channel", () => {
    expect(channelToWatch(device(), SUB)).toBe(CHANNEL);
  });

  test("someone else's device, an unbound one and a missing one are the same 404", () => {
    expect(problemOf(() => channelToWatch(device(), 'someone-else'))).toBe('NOT_FOUND');
    expect(problemOf(() => channelToWatch(device({ ownerSub: undefined }), SUB))).toBe('NOT_FOUND');
    expect(problemOf(() => channelToWatch(undefined, SUB))).toBe('NOT_FOUND');
    expect(problemOf(() => channelToWatch(device({ ownerSub: undefined }), ''))).toBe('NOT_FOUND');
  });

  test('a device without a channel yet is 409 DEVICE_NOT_PROVISIONED, for its owner only', () => {
    expect(problemOf(() => channelToWatch(device({ channelArn: undefined }), SUB))).toBe(
      'DEVICE_NOT_PROVISIONED',
    );
    expect(problemOf(() => channelToWatch(device({ channelArn: undefined }), 'someone-else'))).toBe(
      'NOT_FOUND',
    );
  });
});

describe('STS names', () => {
  const STS_NAME = /^[\w+=,.@-]{2,64}$/;

  test('carry the user', () => {
    expect(roleSessionName('VIEWER', SUB)).toBe(`viewer.${SUB}`);
    expect(sourceIdentity(SUB)).toBe(SUB);
  });

  test.each(['x'.repeat(200), 'a b/c:d?é', 'aws:federated'])('stay within STS rules for %j', (sub) => {
    expect(roleSessionName('VIEWER', sub)).toMatch(STS_NAME);
    expect(roleSessionName('MASTER', sub)).toMatch(STS_NAME);
    expect(sourceIdentity(sub)).toMatch(STS_NAME);
    expect(sourceIdentity(sub)).not.toMatch(/^aws:/i);
  });
});

describe('ICE servers', () => {
  test("the region's STUN server first, then KVS's TURN servers as RTCIceServer", () => {
    expect(toIceServers('eu-west-1', [...TURN, { Uris: [] }])).toEqual([
      { urls: ['stun:stun.kinesisvideo.eu-west-1.amazonaws.com:443'] },
      { urls: TURN[0]!.Uris, username: TURN[0]!.Username, credential: TURN[0]!.Password },
    ]);
    expect(stunServer('cn-north-1').urls).toEqual(['stun:stun.kinesisvideo.cn-north-1.amazonaws.com.cn:443']);
  });
});

test('viewer client ids are random and in the signaling alphabet', () => {
  const ids = new Set(Array.from({ length: 100 }, newViewerClientId));
  expect(ids.size).toBe(100);
  for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_.-]{1,256}$/);
});

describe('the endpoint cache', () => {
  test('keeps endpoints per channel and role until they expire', async () => {
    let now = 0;
    const cache = new EndpointCache(60_000, 10, () => now);
    const load = jest.fn(async () => ENDPOINTS);
    await cache.get(CHANNEL, 'VIEWER', load);
    await cache.get(CHANNEL, 'VIEWER', load);
    expect(load).toHaveBeenCalledTimes(1);
    await cache.get(CHANNEL, 'MASTER', load);
    expect(load).toHaveBeenCalledTimes(2);
    now = 60_001;
    await cache.get(CHANNEL, 'VIEWER', load);
    expect(load).toHaveBeenCalledTimes(3);
  });

  test('makes one call for concurrent requests, and forgets a failure at once', async () => {
    const cache = new EndpointCache();
    const failing = jest.fn(() => Promise.reject(new Error('boom')));
    await expect(Promise.all([1, 2].map(() => cache.get(CHANNEL, 'VIEWER', failing)))).rejects.toThrow(
      'boom',
    );
    expect(failing).toHaveBeenCalledTimes(1);
    const load = jest.fn(async () => ENDPOINTS);
    await expect(cache.get(CHANNEL, 'VIEWER', load)).resolves.toEqual(ENDPOINTS);
    expect(load).toHaveBeenCalledTimes(1);
  });

  test('holds a bounded number of channels, dropping the oldest', async () => {
    const cache = new EndpointCache(60_000, 2);
    const load = jest.fn(async () => ENDPOINTS);
    for (const n of [1, 2, 3]) await cache.get(`${CHANNEL}${n}`, 'VIEWER', load);
    expect(cache.size).toBe(2);
    await cache.get(`${CHANNEL}3`, 'VIEWER', load);
    expect(load).toHaveBeenCalledTimes(3);
    await cache.get(`${CHANNEL}1`, 'VIEWER', load);
    expect(load).toHaveBeenCalledTimes(4);
  });
});

describe('minting a viewer session', () => {
  const EXPIRATION = new Date('2030-01-01T00:15:00.000Z');
  let calls: string[];

  function fakeServices(overrides: Partial<SessionServices> = {}) {
    calls = [];
    const services = {
      assumeRole: jest.fn(async () => {
        calls.push('assumeRole');
        return {
          accessKeyId: 'ASIAEXAMPLE',
          secretAccessKey: 'secret',
          sessionToken: 'token',
          expiration: EXPIRATION,
        };
      }),
      getEndpoints: jest.fn(async () => {
        calls.push('getEndpoints');
        return ENDPOINTS;
      }),
      getIceServers: jest.fn(async () => {
        calls.push('getIceServers');
        return TURN;
      }),
      audit: jest.fn(async () => {
        calls.push('audit');
      }),
      ...overrides,
    };
    return services;
  }

  const input = {
    channelArn: CHANNEL,
    origin: { sub: SUB, email: 'owner@example.com', userAgent: 'Test/1.0', sourceIp: '192.0.2.7' },
    roleArn: ROLE,
    subject: 'device#SL-0001',
  };

  test('returns a contract Session with role VIEWER and everything needed to connect', async () => {
    const services = fakeServices();
    const session = await mintViewerSession(input, services, new EndpointCache());
    expect(explainInvalid(sessionSchema, session)).toBeNull();
    expect(session).toEqual({
      channelArn: CHANNEL,
      channelName: 'SL-0001',
      region: 'eu-west-1',
      role: 'VIEWER',
      clientId: expect.stringMatching(/^viewer-[A-Za-z0-9_-]{22}$/),
      credentials: {
        accessKeyId: 'ASIAEXAMPLE',
        secretAccessKey: 'secret',
        sessionToken: 'token',
        expiration: '2030-01-01T00:15:00.000Z',
      },
      endpoints: ENDPOINTS,
      iceServers: toIceServers('eu-west-1', TURN),
    });
  });

  test('assumes the viewer role for 15 minutes with a one-channel policy and the user as source identity', async () => {
    const services = fakeServices();
    await mintViewerSession(input, services, new EndpointCache());
    expect(services.assumeRole).toHaveBeenCalledWith({
      roleArn: ROLE,
      roleSessionName: `viewer.${SUB}`,
      sourceIdentity: SUB,
      policy: JSON.stringify(viewerSessionPolicy(CHANNEL)),
      durationSeconds: 900,
    });
    expect(SESSION_SECONDS).toBe(15 * 60);
    expect(services.getEndpoints).toHaveBeenCalledWith(CHANNEL, 'VIEWER');
    expect(services.getIceServers).toHaveBeenCalledWith(ENDPOINTS.https, CHANNEL, expect.any(String));
  });

  test('audits the mint with who, which device and which channel, and records the session', async () => {
    const services = fakeServices();
    const session = await mintViewerSession(input, services, new EndpointCache());
    expect(services.audit).toHaveBeenCalledWith(
      {
        subject: 'device#SL-0001',
        action: 'session.minted',
        actor: SUB,
        detail: { channel: CHANNEL, role: 'VIEWER', clientId: session.clientId },
      },
      expect.objectContaining({
        subject: 'device#SL-0001',
        clientId: session.clientId,
        sub: SUB,
        mintedBy: 'owner@example.com',
        expiresAt: '2030-01-01T00:15:00.000Z',
        userAgent: 'Test/1.0',
        sourceIp: '192.0.2.7',
      }),
    );
    expect(calls.indexOf('audit')).toBeGreaterThan(calls.indexOf('assumeRole'));
  });

  test('starts AssumeRole and the endpoint lookup together, not one after the other', async () => {
    let releaseSts!: () => void;
    const stsGate = new Promise<void>((ok) => (releaseSts = ok));
    const services = fakeServices({
      assumeRole: jest.fn(async () => {
        calls.push('assumeRole');
        await stsGate;
        return { accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'T', expiration: EXPIRATION };
      }),
    });
    const minting = mintViewerSession(input, services, new EndpointCache());
    // While STS has not answered, the endpoints and the TURN servers are already fetched.
    await new Promise((ok) => setImmediate(ok));
    expect(calls).toEqual(['assumeRole', 'getEndpoints', 'getIceServers']);
    releaseSts();
    await expect(minting).resolves.toMatchObject({ role: 'VIEWER' });
  });

  test('looks the endpoints up once per channel across requests', async () => {
    const services = fakeServices();
    const cache = new EndpointCache();
    await mintViewerSession(input, services, cache);
    await mintViewerSession(input, services, cache);
    expect(services.getEndpoints).toHaveBeenCalledTimes(1);
    expect(services.getIceServers).toHaveBeenCalledTimes(2);
    expect(services.assumeRole).toHaveBeenCalledTimes(2);
  });

  test('hands out no credentials when the audit record cannot be written', async () => {
    const services = fakeServices({ audit: jest.fn(() => Promise.reject(new Error('ddb down'))) });
    await expect(mintViewerSession(input, services, new EndpointCache())).rejects.toThrow('ddb down');
  });

  test('KVS throttling is 429 THROTTLED, not a 500', async () => {
    const throttled = Object.assign(new Error('slow down'), { name: 'ClientLimitExceededException' });
    const services = fakeServices({ getIceServers: jest.fn(() => Promise.reject(throttled)) });
    const err = await mintViewerSession(input, services, new EndpointCache()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProblemError);
    expect((err as ProblemError).problem).toMatchObject({ status: 429, code: 'THROTTLED' });
  });

  test('a stored ARN that is not a channel is a bug, not a session', async () => {
    const services = fakeServices();
    await expect(
      mintViewerSession(
        { ...input, channelArn: 'arn:aws:kinesisvideo:eu-west-1:123456789012:channel/*' },
        services,
      ),
    ).rejects.toThrow(/not a KVS channel ARN/);
    expect(services.assumeRole).not.toHaveBeenCalled();
  });
});
