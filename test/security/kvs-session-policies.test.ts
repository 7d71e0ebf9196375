import {
  CreateSignalingChannelCommand,
  DescribeSignalingChannelCommand,
  GetSignalingChannelEndpointCommand,
  KinesisVideoClient,
  ListSignalingChannelsCommand,
} from '@aws-sdk/client-kinesis-video';
import {
  GetIceServerConfigCommand,
  KinesisVideoSignalingClient,
} from '@aws-sdk/client-kinesis-video-signaling';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { LOCAL_ACCOUNT } from '../../local/constants';
import { ADMIN_PRINCIPAL_ARN } from '../../local/aws/identity';
import {
  ADMIN,
  closeSignaling,
  installTrustingWebSocket,
  openSignaling,
  sdkConfig,
  startPrivateAws,
  type Credentials,
  type PrivateAws,
} from '../support/aws';

/**
 * Credentials from STS AssumeRole carry a session policy naming one channel: with the real AWS
 * SDK v3 clients and the real KVS WebRTC SDK, they work on that channel only, and only in the
 * role the policy grants. A private emulator instance lets the test register its own role and
 * move the clock past the credentials' expiry.
 */

const ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT}:role/test-kvs-viewer`;
const CHANNELS = `arn:aws:kinesisvideo:us-east-1:${LOCAL_ACCOUNT}:channel/*`;
const VIEWER_ACTIONS = [
  'kinesisvideo:DescribeSignalingChannel',
  'kinesisvideo:GetSignalingChannelEndpoint',
  'kinesisvideo:GetIceServerConfig',
  'kinesisvideo:ConnectAsViewer',
];

let env: PrivateAws;
let channelA: string;
let channelB: string;
let viewer: Credentials;

const kvs = (credentials: Credentials) =>
  new KinesisVideoClient(sdkConfig(env.agent, credentials, env.aws.endpoints.kinesisvideo));
const sts = (credentials: Credentials) =>
  new STSClient(sdkConfig(env.agent, credentials, env.aws.endpoints.sts));

async function assume(
  policy: object | undefined,
  extra: { DurationSeconds?: number } = {},
): Promise<Credentials> {
  const out = await sts(ADMIN).send(
    new AssumeRoleCommand({
      RoleArn: ROLE_ARN,
      RoleSessionName: 'user-42',
      SourceIdentity: 'user-42',
      DurationSeconds: 900,
      Policy: policy && JSON.stringify(policy),
      ...extra,
    }),
  );
  const c = out.Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
}

function wss(): Promise<string> {
  return kvs(ADMIN)
    .send(
      new GetSignalingChannelEndpointCommand({
        ChannelARN: channelA,
        SingleMasterChannelEndpointConfiguration: { Protocols: ['WSS'], Role: 'VIEWER' },
      }),
    )
    .then((out) => out.ResourceEndpointList![0]!.ResourceEndpoint!);
}

beforeAll(async () => {
  env = await startPrivateAws();
  installTrustingWebSocket(env.ca);
  // The role may do everything a viewer or caller needs on any channel...
  env.aws.registerRole({
    arn: ROLE_ARN,
    policy: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: [...VIEWER_ACTIONS, 'kinesisvideo:ConnectAsMaster'], Resource: CHANNELS },
      ],
    },
    trustedPrincipals: [ADMIN_PRINCIPAL_ARN],
  });
  channelA = env.aws.createChannel({ name: 'device-a' }).arn;
  channelB = (await kvs(ADMIN).send(new CreateSignalingChannelCommand({ ChannelName: 'device-b' })))
    .ChannelARN!;
  // ...and the session policy narrows it to viewing channel A.
  viewer = await assume({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: VIEWER_ACTIONS, Resource: channelA }],
  });
});

afterEach(() => closeSignaling());
afterAll(() => env.close());

describe('STS AssumeRole', () => {
  test('issues temporary credentials for the session, with its identity', async () => {
    expect(viewer.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    const who = await sts(viewer).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(`arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/test-kvs-viewer/user-42`);
    expect(who.UserId).toMatch(/^AROA[A-Z2-7]{17}:user-42$/);
    expect(who.Account).toBe(LOCAL_ACCOUNT);
  });

  test('answers with AssumedRoleUser, SourceIdentity, Expiration and PackedPolicySize', async () => {
    const out = await sts(ADMIN).send(
      new AssumeRoleCommand({
        RoleArn: ROLE_ARN,
        RoleSessionName: 's1',
        SourceIdentity: 'someone@example.com',
        Policy: JSON.stringify({
          Statement: [{ Effect: 'Allow', Action: 'kinesisvideo:*', Resource: channelA }],
        }),
      }),
    );
    expect(out.SourceIdentity).toBe('someone@example.com');
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/test-kvs-viewer/s1`);
    expect(out.PackedPolicySize).toBeGreaterThan(0);
    const lifetime = out.Credentials!.Expiration!.getTime() - Date.now();
    expect(lifetime).toBeGreaterThan(3590_000); // the default hour
    expect(lifetime).toBeLessThanOrEqual(3600_000);
  });

  test.each([
    ['a caller the role does not trust', () => viewer, {}, 'AccessDenied'],
    ['an unknown role', () => ADMIN, { RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/nope` }, 'AccessDenied'],
    ['too short a duration', () => ADMIN, { DurationSeconds: 899 }, 'ValidationError'],
    ['more than the role maximum', () => ADMIN, { DurationSeconds: 7200 }, 'ValidationError'],
    ['more than 12 hours', () => ADMIN, { DurationSeconds: 43201 }, 'ValidationError'],
    ['a bad session name', () => ADMIN, { RoleSessionName: 'has space' }, 'ValidationError'],
    [
      'a session policy that is not JSON',
      () => ADMIN,
      { Policy: '{nope' },
      'MalformedPolicyDocumentException',
    ],
    [
      'a session policy with a condition',
      () => ADMIN,
      { Policy: conditionPolicy() },
      'MalformedPolicyDocumentException',
    ],
    ['a session policy over 2048 characters', () => ADMIN, { Policy: longPolicy() }, 'ValidationError'],
  ])('refuses %s', async (_what, caller, input, code) => {
    await expect(
      sts(caller()).send(
        new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'session-1', ...input }),
      ),
    ).rejects.toMatchObject({ name: code });
  });
});

describe('the KVS control plane under a session policy for channel A', () => {
  test('allows what the session policy grants on A', async () => {
    const info = await kvs(viewer).send(new DescribeSignalingChannelCommand({ ChannelARN: channelA }));
    expect(info.ChannelInfo?.ChannelName).toBe('device-a');
    const byName = await kvs(viewer).send(new DescribeSignalingChannelCommand({ ChannelName: 'device-a' }));
    expect(byName.ChannelInfo?.ChannelARN).toBe(channelA);
    const endpoints = await kvs(viewer).send(
      new GetSignalingChannelEndpointCommand({
        ChannelARN: channelA,
        SingleMasterChannelEndpointConfiguration: { Protocols: ['WSS', 'HTTPS'], Role: 'VIEWER' },
      }),
    );
    const https = endpoints.ResourceEndpointList!.find((e) => e.Protocol === 'HTTPS')!.ResourceEndpoint!;
    const wssUrl = endpoints.ResourceEndpointList!.find((e) => e.Protocol === 'WSS')!.ResourceEndpoint!;
    expect(wssUrl).toMatch(/^wss:\/\/localhost:\d+\/aws\/kvs\/signaling$/);
    const signaling = new KinesisVideoSignalingClient(sdkConfig(env.agent, viewer, https));
    const ice = await signaling.send(
      new GetIceServerConfigCommand({ ChannelARN: channelA, ClientId: 'viewer-1' }),
    );
    expect(ice.IceServerList).toEqual([]);
    // The signaling service's own denial, as its model has it: NotAuthorizedException, 401.
    await expect(
      signaling.send(new GetIceServerConfigCommand({ ChannelARN: channelB, ClientId: 'viewer-1' })),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException', $metadata: { httpStatusCode: 401 } });
  });

  test.each([
    ['DescribeSignalingChannel on B', () => new DescribeSignalingChannelCommand({ ChannelARN: channelB })],
    [
      'DescribeSignalingChannel on B by name',
      () => new DescribeSignalingChannelCommand({ ChannelName: 'device-b' }),
    ],
    [
      'GetSignalingChannelEndpoint on B',
      () =>
        new GetSignalingChannelEndpointCommand({
          ChannelARN: channelB,
          SingleMasterChannelEndpointConfiguration: { Protocols: ['WSS'], Role: 'VIEWER' },
        }),
    ],
    ['CreateSignalingChannel', () => new CreateSignalingChannelCommand({ ChannelName: 'device-c' })],
    ['ListSignalingChannels', () => new ListSignalingChannelsCommand({})],
  ])(
    'refuses %s with AccessDeniedException (401, as the KVS service model has it)',
    async (_what, command) => {
      const err = await kvs(viewer)
        .send(command() as DescribeSignalingChannelCommand)
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 401 } });
      expect((err as Error).message).toMatch(
        /is not authorized to perform: kinesisvideo:\w+ on resource: .* because no (session|identity-based) policy allows/,
      );
    },
  );

  test('an explicit deny in the role wins over the session policy', async () => {
    env.aws.registerRole({
      arn: `${ROLE_ARN}-deny`,
      policy: {
        Statement: [
          { Effect: 'Allow', Action: 'kinesisvideo:*', Resource: CHANNELS },
          { Effect: 'Deny', Action: 'kinesisvideo:Describe*', Resource: channelA },
        ],
      },
      trustedPrincipals: [ADMIN_PRINCIPAL_ARN],
    });
    const out = await sts(ADMIN).send(
      new AssumeRoleCommand({ RoleArn: `${ROLE_ARN}-deny`, RoleSessionName: 'deny-test' }),
    );
    const c = out.Credentials!;
    const denied = kvs({
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    });
    await expect(
      denied.send(new DescribeSignalingChannelCommand({ ChannelARN: channelA })),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('explicit deny'),
    });
    await expect(
      denied.send(new DescribeSignalingChannelCommand({ ChannelARN: channelB })),
    ).resolves.toBeDefined();
  });
});

describe('the signaling WebSocket under a session policy for channel A', () => {
  test('ConnectAsViewer on A works', async () => {
    const client = await openSignaling({
      channelARN: channelA,
      channelEndpoint: await wss(),
      clientId: 'viewer-1',
      credentials: viewer,
    });
    expect(client).toBeDefined();
  });

  test('ConnectAsViewer on B is refused at the handshake', async () => {
    await expect(
      openSignaling({
        channelARN: channelB,
        channelEndpoint: await wss(),
        clientId: 'viewer-1',
        credentials: viewer,
      }),
    ).rejects.toThrow();
  });

  test('ConnectAsMaster on A is refused for a viewer-only policy', async () => {
    await expect(
      openSignaling({ channelARN: channelA, channelEndpoint: await wss(), credentials: viewer }),
    ).rejects.toThrow();
  });
});

describe('expired credentials', () => {
  test('are refused by STS, the control plane and the signaling handshake', async () => {
    const short = await assume({
      Statement: [{ Effect: 'Allow', Action: VIEWER_ACTIONS, Resource: channelA }],
    });
    const endpoint = await wss();
    await expect(
      kvs(short).send(new DescribeSignalingChannelCommand({ ChannelARN: channelA })),
    ).resolves.toBeDefined();
    env.advance(901_000);
    try {
      await expect(
        kvs(short).send(new DescribeSignalingChannelCommand({ ChannelARN: channelA })),
      ).rejects.toMatchObject({ name: 'ExpiredTokenException', $metadata: { httpStatusCode: 403 } });
      await expect(sts(short).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
        name: 'ExpiredToken',
      });
      await expect(
        openSignaling({
          channelARN: channelA,
          channelEndpoint: endpoint,
          clientId: 'viewer-1',
          credentials: short,
        }),
      ).rejects.toThrow();
    } finally {
      env.advance(-901_000);
    }
  });
});

function conditionPolicy(): string {
  return JSON.stringify({
    Statement: [
      {
        Effect: 'Allow',
        Action: 'kinesisvideo:*',
        Resource: '*',
        Condition: { Bool: { 'aws:SecureTransport': 'true' } },
      },
    ],
  });
}

function longPolicy(): string {
  const Resource = Array.from(
    { length: 40 },
    (_, i) => `${CHANNELS.slice(0, -1)}device-${i}-padding-padding/*`,
  );
  return JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'kinesisvideo:*', Resource }] });
}
