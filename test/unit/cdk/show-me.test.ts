import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import type { SynthesisMessage } from 'aws-cdk-lib/cx-api';
import { getCountries } from 'libphonenumber-js';
import {
  INVITE_CHANNEL_MANAGER_ACTIONS,
  MASTER_ACTIONS,
  MINTER_KVS_ACTIONS,
} from '../../../lambda/core/kvs-policies';
import { liveRoutes, routes, type OperationId, type RouteSpec } from '../../../lambda/contract/routes';
import { parseConfig } from '../../../lib/config';
import { photosBucketName } from '../../../lib/constructs/photos-bucket';
import {
  handlerResources,
  scheduledHandlerResources,
  type HandlerResources,
  type ScheduledHandlerResources,
} from '../../../lib/handler-resources';
import type { SightlineStack } from '../../../lib/sightline-stack';
import { synthSightline, testConfig } from './synth';
import { roleOfFunction as roleOf, roleStatements as statementsOfRole, type Statement } from './template-iam';

/** Template JSON, read loosely: every level is more of it (tests compare it with expect). */
type Loose = any; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Resource {
  Type: string;
  Properties: Loose;
  DeletionPolicy?: string;
  DependsOn?: string[];
}

const ACCOUNT = '123456789012';
const SENDER = `arn:aws:sms-voice:${testConfig.region}:${ACCOUNT}:sender-id/SIGHTLINE/BE`;
const INVITE_CHANNELS = {
  'Fn::Join': [
    '',
    ['arn:', { Ref: 'AWS::Partition' }, `:kinesisvideo:${testConfig.region}:${ACCOUNT}:channel/invite-*/*`],
  ],
};

/**
 * The repository's four device handlers stand in for the "show me" ones, each with the flags of
 * the handler it stands for, so these tests do not wait for those handlers to exist.
 */
const fixtureResources: Record<string, HandlerResources> = {
  // as create-invite
  'list-devices': { tables: {}, sendsSms: true, managesInviteChannels: true },
  // as create-citizen-session
  'bind-device': { tables: {}, mintsCallerSessions: true },
  // as create-citizen-photo
  'unbind-device': { tables: {}, signsPhotoUploads: true },
  // as get-invite and create-invite-session
  'create-device-session': { tables: {}, readsPhotos: true, mintsViewerSessions: 'cameras' },
};
const fixtureScheduled: Record<string, ScheduledHandlerResources> = {
  // as expire-invites
  'list-devices': { stage: 'live', everyMinutes: 5, tables: {}, managesInviteChannels: true },
  'bind-device': { stage: 'planned', everyMinutes: 5, tables: {} },
};

/** The device routes alone, whose handlers stand in for the "show me" ones. */
const fixtureRoutes: [OperationId, RouteSpec][] = (
  Object.entries(routes) as [OperationId, RouteSpec][]
).filter(([, route]) => route.handler in fixtureResources);

/** Every route of the contract, live, each served by one of the fixture handlers. */
const allRoutesLive: [OperationId, RouteSpec][] = (Object.entries(routes) as [OperationId, RouteSpec][]).map(
  ([id, route]) => [id, { ...route, handler: 'list-devices', stage: 'live' }],
);

let stack: SightlineStack;
let template: Template;
let resources: Record<string, Resource>;
let fixture: { stack: SightlineStack; template: Template; resources: Record<string, Resource> };

beforeAll(() => {
  // GIVEN the repository's stack, and a stack whose handlers carry every "show me" flag
  // WHEN both are synthesized with cdk-nag
  ({ stack, template } = synthSightline({ nag: true }));
  resources = template.toJSON().Resources;
  const f = synthSightline({
    nag: true,
    config: { sms: { ...testConfig.sms, originationIdentities: [SENDER] } },
    stackProps: {
      routes: fixtureRoutes,
      handlerResources: fixtureResources,
      scheduledHandlers: fixtureScheduled,
    },
  });
  fixture = { ...f, resources: f.template.toJSON().Resources };
});

const actions = (s: Statement) => ([] as string[]).concat(s.Action);
const idsOf = (res: Record<string, Resource>, type: string, props?: Record<string, unknown>) =>
  Object.keys(res).filter(
    (id) =>
      res[id]!.Type === type &&
      (!props ||
        Object.entries(props).every(
          ([k, v]) => JSON.stringify(res[id]!.Properties[k]) === JSON.stringify(v),
        )),
  );
function only<T>(items: T[]): T {
  expect(items).toHaveLength(1);
  return items[0]!;
}
const photosBucketId = (res: Record<string, Resource>) =>
  only(Object.keys(res).filter((id) => res[id]!.Type === 'AWS::S3::Bucket' && id.startsWith('ShowMePhotos')));
function functionId(res: Record<string, Resource>, description: string): string {
  return only(idsOf(res, 'AWS::Lambda::Function', { Description: description }));
}
const allStatements = (res: Record<string, Resource>) =>
  Object.keys(res)
    .filter((id) => res[id]!.Type === 'AWS::IAM::Role')
    .flatMap((id) => statementsOfRole(res, id).map((s) => ({ roleId: id, s })));
const env = (res: Record<string, Resource>, fnId: string): Record<string, unknown> =>
  res[fnId]!.Properties.Environment.Variables;
const apiFn = (handler: string) => functionId(fixture.resources, `Sightline API: ${handler}`);

function findingsOf(messages: SynthesisMessage[]): string[] {
  return messages.map((m) => `${m.id}: ${/^AwsSolutions-\w+(\[[^\]]*\])?/.exec(String(m.entry.data))?.[0]}`);
}

describe('cdk-nag', () => {
  test('no unsuppressed errors with every "show me" flag in use', () => {
    const errors = Annotations.fromStack(fixture.stack).findError(
      '*',
      Match.stringLikeRegexp('AwsSolutions-.*'),
    );
    expect(findingsOf(errors)).toEqual([]);
  });

  test('no unsuppressed errors in the repository stack either', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(findingsOf(errors)).toEqual([]);
  });
});

describe('photos bucket', () => {
  const bucket = () => resources[photosBucketId(resources)]!;

  test('is named for the stage, account and region, so the pages can name it in their CSP', () => {
    expect(bucket().Properties.BucketName).toBe(
      `sightline-${testConfig.stage}-photos-${ACCOUNT}-${testConfig.region}`,
    );
    expect(() => photosBucketName('a-stage-of-twenty-ch', 'ap-southeast-5', ACCOUNT)).toThrow(/too long/);
  });

  test('is private, SSE-S3 encrypted, ACL-free and unversioned', () => {
    expect(bucket().Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    expect(bucket().Properties.VersioningConfiguration).toBeUndefined();
  });

  test('refuses plain HTTP and TLS below 1.2', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: photosBucketId(resources) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      },
    });
  });

  test('logs its access to the logs bucket', () => {
    expect(bucket().Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: expect.stringMatching(/^WebLogsBucket/) },
      LogFilePrefix: 'photos-bucket/',
    });
  });

  test('expires photos by retention class tag, and every photo at the longest class', () => {
    const [shortest, middle, ceiling] = testConfig.photoRetentionDays;
    expect(bucket().Properties.LifecycleConfiguration.Rules).toEqual([
      {
        Id: 'photos-ceiling',
        Prefix: 'invites/',
        ExpirationInDays: ceiling,
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        Status: 'Enabled',
      },
      ...[shortest, middle].map((days) => ({
        Id: `photos-${days}-days`,
        Prefix: 'invites/',
        TagFilters: [{ Key: 'retention-days', Value: String(days) }],
        ExpirationInDays: days,
        Status: 'Enabled',
      })),
    ]);
  });

  test('lets only the web origin post and fetch photos, with no extra headers', () => {
    expect(bucket().Properties.CorsConfiguration).toEqual({
      CorsRules: [
        {
          AllowedOrigins: [
            {
              'Fn::Join': [
                '',
                ['https://', { 'Fn::GetAtt': [expect.stringMatching(/^WebDistribution/), 'DomainName'] }],
              ],
            },
          ],
          AllowedMethods: ['POST', 'GET'],
          MaxAge: 3600,
        },
      ],
    });
  });

  test('is emptied and deleted with a stack whose data is not retained, before the emptying logs go', () => {
    expect(bucket().DeletionPolicy).toBe('Delete');
    const emptying = Object.values(resources).find(
      (r) =>
        r.Type === 'Custom::S3AutoDeleteObjects' &&
        JSON.stringify(r.Properties.BucketName) === JSON.stringify({ Ref: photosBucketId(resources) }),
    );
    const logs = only(Object.keys(resources).filter((id) => id.startsWith('WebAutoDeleteObjectsLogs')));
    expect(emptying?.DependsOn).toContain(logs);
  });

  test('is kept, with its photos, when data is retained', () => {
    // WHEN
    const retained = synthSightline({ config: { retainData: true } }).template.toJSON().Resources as Record<
      string,
      Resource
    >;

    // THEN
    expect(retained[photosBucketId(retained)]!.DeletionPolicy).toBe('Retain');
    expect(
      Object.values(retained).filter(
        (r) =>
          r.Type === 'Custom::S3AutoDeleteObjects' &&
          JSON.stringify(r.Properties.BucketName).includes(photosBucketId(retained)),
      ),
    ).toEqual([]);
  });
});

describe('SMS', () => {
  const protect = () => only(idsOf(resources, 'AWS::SMSVOICE::ProtectConfiguration'));

  test('the protect configuration allows exactly the configured countries and blocks every other', () => {
    const rules = resources[protect()]!.Properties.CountryRuleSet.SMS as {
      CountryCode: string;
      ProtectStatus: string;
    }[];
    const allowed = rules.filter((r) => r.ProtectStatus === 'ALLOW').map((r) => r.CountryCode);
    expect(allowed.sort()).toEqual([...testConfig.sms.allowedCountries].sort());
    expect(rules.every((r) => r.ProtectStatus === 'ALLOW' || r.ProtectStatus === 'BLOCK')).toBe(true);
    const blocked = new Set(rules.filter((r) => r.ProtectStatus === 'BLOCK').map((r) => r.CountryCode));
    for (const code of getCountries().filter((c) => !['AC', 'TA', 'XK'].includes(c))) {
      expect([code, blocked.has(code) || allowed.includes(code)]).toEqual([code, true]);
    }
    expect(blocked.has('CN')).toBe(true);
    expect(blocked.has('BE')).toBe(false);
  });

  test('the configuration set uses it and logs delivery events to CloudWatch', () => {
    template.hasResourceProperties('AWS::SMSVOICE::ConfigurationSet', {
      ConfigurationSetName: `sightline-${testConfig.stage}-invites`,
      ProtectConfigurationId: { 'Fn::GetAtt': [protect(), 'ProtectConfigurationId'] },
      EventDestinations: [
        {
          EventDestinationName: 'cloudwatch-logs',
          Enabled: true,
          MatchingEventTypes: ['ALL'],
          CloudWatchLogsDestination: {
            IamRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ShowMeSmsEventsRole'), 'Arn'] },
            LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ShowMeSmsEvents'), 'Arn'] },
          },
        },
      ],
    });
  });

  test("the events role is End User Messaging's in this account only, and may only write its log group", () => {
    const roleId = only(
      Object.keys(resources).filter(
        (id) => id.startsWith('ShowMeSmsEventsRole') && resources[id]!.Type === 'AWS::IAM::Role',
      ),
    );
    expect(resources[roleId]!.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { Service: 'sms-voice.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
      },
    ]);
    const logGroup = only(
      Object.keys(resources).filter(
        (id) => id.startsWith('ShowMeSmsEvents') && resources[id]!.Type === 'AWS::Logs::LogGroup',
      ),
    );
    expect(statementsOfRole(resources, roleId)).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logGroup, 'Arn'] },
      },
    ]);
  });
});

describe('handler flags', () => {
  test('sendsSms: SendTextMessage through our configuration set, protect configuration and identities only', () => {
    const fn = apiFn('list-devices');
    const sms = statementsOfRole(fixture.resources, roleOf(fixture.resources, fn)).filter((s) =>
      actions(s).some((a) => a.startsWith('sms-voice:')),
    );
    expect(sms).toEqual([
      {
        Effect: 'Allow',
        Action: 'sms-voice:SendTextMessage',
        Resource: [
          SENDER,
          { 'Fn::GetAtt': [expect.stringMatching(/^ShowMeSmsConfigurationSet/), 'Arn'] },
          { 'Fn::GetAtt': [expect.stringMatching(/^ShowMeSmsProtectConfiguration/), 'Arn'] },
        ],
      },
    ]);
    expect(env(fixture.resources, fn)).toMatchObject({
      SMS_CONFIGURATION_SET: `sightline-${testConfig.stage}-invites`,
      SMS_MAX_PRICE: testConfig.sms.maxPrice,
      SMS_ORIGINATION_IDENTITY: SENDER,
      WEB_URL: {
        'Fn::Join': [
          '',
          ['https://', { 'Fn::GetAtt': [expect.stringMatching(/^WebDistribution/), 'DomainName'] }],
        ],
      },
    });
  });

  test('managesInviteChannels: create, describe, tag and delete invite channels only', () => {
    const kvs = statementsOfRole(fixture.resources, roleOf(fixture.resources, apiFn('list-devices'))).filter(
      (s) => actions(s).some((a) => a.startsWith('kinesisvideo:')),
    );
    expect(kvs).toEqual([
      { Effect: 'Allow', Action: [...INVITE_CHANNEL_MANAGER_ACTIONS].sort(), Resource: INVITE_CHANNELS },
    ]);
  });

  test('mintsCallerSessions: a caller role only that function may assume, master on invite channels only', () => {
    const fn = apiFn('bind-device');
    const fnRole = roleOf(fixture.resources, fn);
    const callerRole = only(
      idsOf(fixture.resources, 'AWS::IAM::Role', {
        Description: 'KVS caller (master) sessions minted by the bind-device handler',
      }),
    );
    expect(fixture.resources[callerRole]!.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
        Principal: { AWS: { 'Fn::GetAtt': [fnRole, 'Arn'] } },
      },
    ]);
    expect(statementsOfRole(fixture.resources, callerRole)).toEqual([
      { Effect: 'Allow', Action: [...MASTER_ACTIONS].sort(), Resource: INVITE_CHANNELS },
    ]);
    expect(
      statementsOfRole(fixture.resources, fnRole).filter((s) =>
        actions(s).some((a) => a.startsWith('sts:') || a.startsWith('kinesisvideo:')),
      ),
    ).toEqual([
      {
        Effect: 'Allow',
        Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
        Resource: { 'Fn::GetAtt': [callerRole, 'Arn'] },
      },
      { Effect: 'Allow', Action: [...MINTER_KVS_ACTIONS].sort(), Resource: INVITE_CHANNELS },
    ]);
    expect(env(fixture.resources, fn).CALLER_ROLE_ARN).toEqual({ 'Fn::GetAtt': [callerRole, 'Arn'] });
  });

  test('signsPhotoUploads: put objects and their retention tag under invites/ only', () => {
    const fn = apiFn('unbind-device');
    const bucketId = photosBucketId(fixture.resources);
    const s3 = statementsOfRole(fixture.resources, roleOf(fixture.resources, fn)).filter((s) =>
      actions(s).some((a) => a.startsWith('s3:')),
    );
    expect(s3).toEqual([
      {
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:PutObjectTagging'],
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/invites/*']] },
      },
    ]);
    expect(env(fixture.resources, fn)).toMatchObject({
      PHOTOS_BUCKET: { Ref: bucketId },
      PHOTO_RETENTION_CLASSES: testConfig.photoRetentionDays.join(','),
    });
  });

  test('readsPhotos: get objects under invites/ only', () => {
    const fn = apiFn('create-device-session');
    const bucketId = photosBucketId(fixture.resources);
    const s3 = statementsOfRole(fixture.resources, roleOf(fixture.resources, fn)).filter((s) =>
      actions(s).some((a) => a.startsWith('s3:')),
    );
    expect(s3).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/invites/*']] },
      },
    ]);
    expect(env(fixture.resources, fn).PHOTOS_BUCKET).toEqual({ Ref: bucketId });
  });

  test('no role may send SMS or touch photos without its flag', () => {
    const bucketId = photosBucketId(fixture.resources);
    const allowed = new Set([
      roleOf(fixture.resources, apiFn('list-devices')),
      roleOf(fixture.resources, apiFn('unbind-device')),
      roleOf(fixture.resources, apiFn('create-device-session')),
    ]);
    const others = allStatements(fixture.resources).filter(
      ({ roleId, s }) =>
        !allowed.has(roleId) &&
        (actions(s).some((a) => a.startsWith('sms-voice:')) ||
          JSON.stringify(s.Resource ?? '').includes(bucketId)),
    );
    expect(others).toEqual([]);
  });

  test('the live handlers of the repository get the environment of their flags', () => {
    const live = new Set(liveRoutes().map(([, r]) => r.handler));
    for (const [handler, needs] of Object.entries(handlerResources) as [string, HandlerResources][]) {
      if (!live.has(handler)) continue;
      const variables = env(resources, functionId(resources, `Sightline API: ${handler}`));
      const expected = [
        ...(needs.mintsViewerSessions ? ['VIEWER_ROLE_ARN'] : []),
        ...(needs.mintsCallerSessions ? ['CALLER_ROLE_ARN'] : []),
        ...(needs.sendsSms ? ['SMS_CONFIGURATION_SET', 'SMS_MAX_PRICE'] : []),
        ...(needs.signsPhotoUploads || needs.readsPhotos ? ['PHOTOS_BUCKET'] : []),
      ];
      for (const name of expected)
        expect([handler, name, variables[name] !== undefined]).toEqual([handler, name, true]);
      for (const name of ['CALLER_ROLE_ARN', 'SMS_CONFIGURATION_SET', 'PHOTOS_BUCKET'].filter(
        (n) => !expected.includes(n),
      )) {
        expect([handler, name, variables[name]]).toEqual([handler, name, undefined]);
      }
    }
  });
});

describe('scheduled cleanup', () => {
  test('expire-invites runs every 5 minutes and may delete invite channels', () => {
    expect(scheduledHandlerResources['expire-invites']).toMatchObject({
      everyMinutes: 5,
      managesInviteChannels: true,
      tables: { invites: 'readWrite' },
    });
  });

  test('a live scheduled handler runs on an EventBridge rate schedule, without retries', () => {
    const fn = functionId(fixture.resources, 'Sightline scheduled: list-devices');
    fixture.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({ Arn: { 'Fn::GetAtt': [fn, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } }),
      ],
    });
    fixture.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [fn, 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ScheduledListDevicesSchedule'), 'Arn'] },
    });
    fixture.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fn },
      MaximumRetryAttempts: 0,
    });
    expect(
      statementsOfRole(fixture.resources, roleOf(fixture.resources, fn)).filter((s) =>
        actions(s).some((a) => a.startsWith('kinesisvideo:')),
      ),
    ).toEqual([
      { Effect: 'Allow', Action: [...INVITE_CHANNEL_MANAGER_ACTIONS].sort(), Resource: INVITE_CHANNELS },
    ]);
  });

  test('a planned scheduled handler is not deployed', () => {
    expect(
      idsOf(fixture.resources, 'AWS::Lambda::Function', { Description: 'Sightline scheduled: bind-device' }),
    ).toEqual([]);
    expect(idsOf(fixture.resources, 'AWS::Events::Rule')).toHaveLength(1);
  });

  test("the repository's live scheduled handlers are deployed with their schedule", () => {
    const live = Object.entries(scheduledHandlerResources).filter(([, spec]) => spec.stage === 'live');
    expect(idsOf(resources, 'AWS::Events::Rule')).toHaveLength(live.length);
    for (const [handler, spec] of live) {
      const fn = functionId(resources, `Sightline scheduled: ${handler}`);
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: `rate(${spec.everyMinutes} minutes)`,
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fn, 'Arn'] } })],
      });
    }
  });
});

describe('caller routes', () => {
  let all: Template;
  beforeAll(() => {
    // GIVEN every route of the contract live
    ({ template: all } = synthSightline({
      stackProps: { routes: allRoutesLive, handlerResources: { 'list-devices': { tables: {} } } },
    }));
  });

  test.each(allRoutesLive.filter(([, r]) => r.access === 'link'))(
    '%s has no Cognito authorizer, but validates its body against its model',
    (operationId) => {
      all.hasResourceProperties('AWS::ApiGateway::Method', {
        OperationName: operationId,
        AuthorizationType: 'NONE',
        AuthorizerId: Match.absent(),
        RequestValidatorId: { Ref: Match.anyValue() },
        RequestModels: { 'application/json': { Ref: Match.anyValue() } },
      });
    },
  );

  test.each(allRoutesLive.filter(([, r]) => r.access === 'dispatcher'))(
    '%s keeps the Cognito authorizer',
    (operationId) => {
      all.hasResourceProperties('AWS::ApiGateway::Method', {
        OperationName: operationId,
        AuthorizationType: 'COGNITO_USER_POOLS',
        AuthorizerId: { Ref: Match.stringLikeRegexp('^ApiAuthorizer') },
      });
    },
  );
});

describe('caller page hosting', () => {
  const policies = () =>
    idsOf(resources, 'AWS::CloudFront::ResponseHeadersPolicy').map(
      (id) => resources[id]!.Properties.ResponseHeadersPolicyConfig,
    );

  test('every page may connect to the photos bucket (caller posts, dispatcher fetches)', () => {
    const origin = `https://sightline-${testConfig.stage}-photos-`;
    for (const policy of policies()) {
      const csp = policy.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy;
      expect(JSON.stringify(csp)).toContain(origin);
      expect(JSON.stringify(csp)).toContain(`-${testConfig.region}.s3.${testConfig.region}.amazonaws.com`);
      expect(JSON.stringify(csp)).not.toContain('unsafe-inline');
    }
  });

  test('paths under /c/ that are not files are the caller page, /c/index.html', () => {
    const code = only(
      idsOf(resources, 'AWS::CloudFront::Function').map((id) => resources[id]!.Properties.FunctionCode),
    );
    expect(code).toContain("request.uri = '/c/index.html'");
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DistributionPaths: Match.arrayWith(['/c/index.html']),
    });
  });

  test('the stack outputs the photos bucket and the SMS configuration set', () => {
    template.hasOutput('PhotosBucketName', { Value: { Ref: photosBucketId(resources) } });
    template.hasOutput('SmsConfigurationSetName', { Value: `sightline-${testConfig.stage}-invites` });
  });
});

describe('configuration', () => {
  test('defaults: the demo countries, a price ceiling, three retention classes, firewall limits', () => {
    expect(testConfig.sms).toEqual({
      originationIdentities: [],
      allowedCountries: ['BE', 'FR', 'NL', 'DE', 'ES', 'GB', 'US'],
      maxPrice: '0.50',
    });
    expect(testConfig.photoRetentionDays).toEqual([1, 7, 30]);
    expect(testConfig.firewall).toEqual({ rateLimit: 2000, citizenRateLimit: 300, bindRateLimit: 30 });
  });

  test.each([
    [{ sms: { allowedCountries: ['be'] } }, /"sms.allowedCountries"/],
    [{ sms: { originationIdentities: ['*'] } }, /"sms.originationIdentities"/],
    [{ sms: { maxPrice: 0.5 } }, /"sms.maxPrice"/],
    [{ sms: { from: 'x' } }, /unknown key "sms.from"/],
    [{ photoRetentionDays: [] }, /"photoRetentionDays"/],
    [{ photoRetentionDays: [7, 7] }, /"photoRetentionDays"/],
    [{ firewall: { citizenRateLimit: 5 } }, /"firewall.citizenRateLimit"/],
  ])('rejects %j', (override, message) => {
    const minimal = { stage: 'prod', region: 'us-east-1', logRetentionDays: 90, alarmEmail: null };
    expect(() => parseConfig({ ...minimal, ...override })).toThrow(message);
  });
});
