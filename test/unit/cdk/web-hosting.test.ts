import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { logicalIds, synthSightline, testConfig } from './synth';

let template: Template;
let outdir: string;
let resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;

interface HeadersPolicyConfig {
  SecurityHeadersConfig: {
    ContentSecurityPolicy: { ContentSecurityPolicy: string };
    StrictTransportSecurity: { AccessControlMaxAgeSec: number; IncludeSubdomains: boolean };
    ReferrerPolicy: { ReferrerPolicy: string };
    FrameOptions: { FrameOption: string };
  };
  CustomHeadersConfig: { Items: { Header: string; Value: string }[] };
}

beforeAll(() => {
  // GIVEN the stack in eu-west-1
  // WHEN it is synthesized
  const synth = synthSightline();
  template = synth.template;
  outdir = synth.app.outdir;
  resources = template.toJSON().Resources;
});

function distribution(): Record<string, unknown> {
  const [only] = Object.values(template.findResources('AWS::CloudFront::Distribution'));
  return (only?.Properties as { DistributionConfig: Record<string, unknown> }).DistributionConfig;
}

function headersPolicy(ref: unknown): HeadersPolicyConfig {
  const id = (ref as { Ref: string }).Ref;
  expect(resources[id]?.Type).toBe('AWS::CloudFront::ResponseHeadersPolicy');
  return (resources[id]!.Properties as { ResponseHeadersPolicyConfig: HeadersPolicyConfig })
    .ResponseHeadersPolicyConfig;
}

function behaviorFor(pathPattern: string): Record<string, unknown> {
  const behaviors = distribution().CacheBehaviors as Record<string, unknown>[];
  const found = behaviors.find((b) => b.PathPattern === pathPattern);
  if (!found) throw new Error(`no behaviour for ${pathPattern}`);
  return found;
}

describe('distribution', () => {
  test('serves the private bucket through origin access control, over HTTPS only', () => {
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
        Origins: [
          Match.objectLike({
            DomainName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebSiteBucket'), 'RegionalDomainName'] },
            OriginAccessControlId: Match.anyValue(),
          }),
        ],
        Logging: Match.objectLike({
          Bucket: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebLogsBucket'), 'RegionalDomainName'] },
        }),
      }),
    });
  });

  test('routes unknown paths to the app (SPA)', () => {
    expect(distribution().CustomErrorResponses).toEqual([
      expect.objectContaining({ ErrorCode: 403, ResponseCode: 200, ResponsePagePath: '/index.html' }),
      expect.objectContaining({ ErrorCode: 404, ResponseCode: 200, ResponsePagePath: '/index.html' }),
    ]);
  });

  test('the caller page is served by the app under its own behaviour, also over HTTPS only', () => {
    const citizen = behaviorFor('/c/*');
    expect(citizen.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(citizen.FunctionAssociations).toEqual([
      {
        EventType: 'viewer-request',
        FunctionARN: { 'Fn::GetAtt': [expect.stringMatching(/^WebCitizenRewrite/), 'FunctionARN'] },
      },
    ]);
  });
});

describe('security headers', () => {
  const policies = () => [
    headersPolicy((distribution().DefaultCacheBehavior as Record<string, unknown>).ResponseHeadersPolicyId),
    headersPolicy(behaviorFor('/c/*').ResponseHeadersPolicyId),
  ];

  test('CSP: no inline code, no framing, connections only to our API, Cognito and KVS in the region', () => {
    for (const policy of policies()) {
      const csp = policy.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy;
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("script-src 'self';");
      const connect = /connect-src ([^;]+)/.exec(csp)?.[1]?.split(' ');
      expect(connect).toEqual([
        "'self'",
        `https://*.execute-api.${testConfig.region}.amazonaws.com`,
        `https://cognito-idp.${testConfig.region}.amazonaws.com`,
        `wss://*.kinesisvideo.${testConfig.region}.amazonaws.com`,
        `https://*.kinesisvideo.${testConfig.region}.amazonaws.com`,
        `https://sightline-${testConfig.stage}-photos-123456789012-${testConfig.region}.s3.${testConfig.region}.amazonaws.com`,
      ]);
    }
  });

  test('HSTS, no referrer, no framing', () => {
    for (const policy of policies()) {
      expect(policy.SecurityHeadersConfig).toMatchObject({
        StrictTransportSecurity: { AccessControlMaxAgeSec: 63072000, IncludeSubdomains: true },
        ReferrerPolicy: { ReferrerPolicy: 'no-referrer' },
        FrameOptions: { FrameOption: 'DENY' },
      });
    }
  });

  test('camera, microphone and location only on the caller page', () => {
    const [site, citizen] = policies().map(
      (p) => p.CustomHeadersConfig.Items.find((h) => h.Header === 'Permissions-Policy')?.Value,
    );
    expect(site).toContain('camera=()');
    expect(site).toContain('microphone=()');
    expect(site).toContain('geolocation=()');
    expect(citizen).toContain('camera=(self)');
    expect(citizen).toContain('microphone=(self)');
    expect(citizen).toContain('geolocation=(self)');
  });
});

describe('buckets', () => {
  test.each(['WebSiteBucket', 'WebLogsBucket'])(
    '%s is private, encrypted and refuses plain HTTP',
    (prefix) => {
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: Match.stringLikeRegexp(`^${prefix}`) },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    },
  );

  test('the site bucket logs its access to the logs bucket', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^WebLogsBucket') } },
    });
  });

  test('are emptied and deleted with the stack when data is not retained', () => {
    for (const [id, bucket] of Object.entries(template.findResources('AWS::S3::Bucket'))) {
      expect([id, bucket.DeletionPolicy]).toEqual([id, 'Delete']);
    }
    // The site, its logs and the caller photos.
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 3);
  });

  test("the emptying Lambda's log group is the stack's, and outlives the emptying", () => {
    const ids = logicalIds(template, 'AWS::Logs::LogGroup', {
      LogGroupName: {
        'Fn::Join': [
          '',
          [
            '/aws/lambda/',
            { Ref: Match.stringLikeRegexp('^CustomS3AutoDeleteObjectsCustomResourceProviderHandler') },
          ],
        ],
      },
    });
    expect(ids).toHaveLength(1);
    for (const emptying of Object.values(template.findResources('Custom::S3AutoDeleteObjects'))) {
      expect(emptying.DependsOn).toContain(ids[0]);
    }
  });
});

describe('deployment', () => {
  function deployment(): Record<string, unknown> {
    const [only] = Object.values(template.findResources('Custom::CDKBucketDeployment'));
    return only?.Properties as Record<string, unknown>;
  }

  test('uploads the web client with config.json, then invalidates CloudFront', () => {
    expect(deployment()).toMatchObject({
      DestinationBucketName: { Ref: expect.stringMatching(/^WebSiteBucket/) },
      DistributionId: { Ref: expect.stringMatching(/^WebDistribution/) },
      DistributionPaths: ['/index.html', '/c/index.html', '/config.json'],
      Prune: true,
    });
    expect(deployment().SourceObjectKeys).toHaveLength(2);
  });

  test("config.json is a WebConfig of this stack's own values", () => {
    // GIVEN the staged config.json, whose deploy-time values are markers the deployment fills in
    const keys = deployment().SourceObjectKeys as string[];
    const markers = (deployment().SourceMarkers as Record<string, Record<string, string[] | string>>[])[1]!;
    const staged = join(outdir, `asset.${keys[1]!.replace(/\.zip$/, '')}`, 'config.json');

    // WHEN the markers are read back as the values they stand for
    const text = readFileSync(staged, 'utf8').replace(/<<marker:0xbaba:\d+>>/g, (marker) => {
      const value = markers[marker] as { Ref?: string; 'Fn::GetAtt'?: string[] };
      return `{${value.Ref ?? value['Fn::GetAtt']!.join('.')}}`;
    });

    // THEN
    expect(JSON.parse(text)).toEqual({
      region: testConfig.region,
      webUrl: expect.stringMatching(/^https:\/\/\{WebDistribution\w+\.DomainName\}$/),
      apiUrl: expect.stringMatching(
        new RegExp(
          `^https://\\{ApiRestApi\\w+\\}\\.execute-api\\.${testConfig.region}\\.\\{AWS::URLSuffix\\}/v1$`,
        ),
      ),
      userPoolId: expect.stringMatching(/^\{AuthUserPool\w+\}$/),
      userPoolClientId: expect.stringMatching(/^\{AuthUserPoolWebClient\w+\}$/),
      authFlow: 'USER_SRP_AUTH',
    });
  });
});
