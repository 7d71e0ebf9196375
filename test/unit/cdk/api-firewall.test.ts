import { Match, type Template } from 'aws-cdk-lib/assertions';
import { problem } from '../../../lambda/contract/problems';
import { routes, type OperationId, type RouteSpec } from '../../../lambda/contract/routes';
import { API_STAGE } from '../../../lib/constructs/api';
import { MAX_BODY_BYTES, RATE_WINDOW_SECONDS } from '../../../lib/constructs/api-firewall';
import { synthSightline, testConfig } from './synth';

/** Template JSON, read loosely: every level is more of it (tests compare it with expect). */
type Loose = any; // eslint-disable-line @typescript-eslint/no-explicit-any
interface WafRule {
  Name: string;
  Priority: number;
  Action?: { Block?: { CustomResponse?: Record<string, unknown> } };
  OverrideAction?: unknown;
  Statement: Loose;
  VisibilityConfig: { CloudWatchMetricsEnabled: boolean; SampledRequestsEnabled: boolean };
}

let template: Template;
let acl: Loose;
let aclId: string;
const WEB_ORIGIN = {
  'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [expect.stringMatching(/^WebDistribution/), 'DomainName'] }]],
};

beforeAll(() => {
  // GIVEN the stack, with firewall limits unlike the defaults
  // WHEN it is synthesized
  ({ template } = synthSightline({
    config: { firewall: { rateLimit: 1500, citizenRateLimit: 200, bindRateLimit: 20 } },
  }));
  const acls = template.findResources('AWS::WAFv2::WebACL');
  expect(Object.keys(acls)).toHaveLength(1);
  [aclId] = Object.keys(acls) as [string];
  acl = acls[aclId]!.Properties;
});

const rule = (name: string): WafRule => {
  const found = (acl.Rules as WafRule[]).find((r) => r.Name === name);
  if (!found) throw new Error(`no rule ${name}`);
  return found;
};

/** Whether a scope-down path regex, as WAF would run it, matches a path WAF sees. */
function pathRegex(statement: Loose): RegExp {
  return new RegExp(statement.RegexMatchStatement.RegexString);
}

describe('web ACL', () => {
  test('is regional, allows by default, and is associated with the API stage', () => {
    expect(acl).toMatchObject({ Scope: 'REGIONAL', DefaultAction: { Allow: {} } });
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: { 'Fn::GetAtt': [aclId, 'Arn'] },
      ResourceArn: {
        'Fn::Join': [
          '',
          Match.arrayWith([
            { Ref: Match.stringLikeRegexp('^ApiRestApi') },
            '/stages/',
            { Ref: Match.stringLikeRegexp('^ApiRestApiDeploymentStage') },
          ]),
        ],
      },
    });
  });

  test('rules in order: rate limits first, then the body ceiling, then the AWS common rules', () => {
    expect((acl.Rules as WafRule[]).map((r) => [r.Priority, r.Name])).toEqual([
      [0, 'rate-all'],
      [1, 'rate-citizen'],
      [2, 'rate-bind'],
      [3, 'body-size'],
      [4, 'aws-common'],
    ]);
    for (const r of acl.Rules as WafRule[]) {
      expect(r.VisibilityConfig).toMatchObject({
        CloudWatchMetricsEnabled: true,
        SampledRequestsEnabled: true,
      });
    }
  });

  test('every request is rate-limited per client IP, as configured', () => {
    expect(rule('rate-all').Statement).toEqual({
      RateBasedStatement: { Limit: 1500, AggregateKeyType: 'IP', EvaluationWindowSec: RATE_WINDOW_SECONDS },
    });
  });

  test('the caller routes have a tighter limit, scoped to exactly their paths', () => {
    const statement = rule('rate-citizen').Statement.RateBasedStatement;
    expect(statement).toMatchObject({ Limit: 200, AggregateKeyType: 'IP' });
    expect(statement.ScopeDownStatement.RegexMatchStatement).toMatchObject({
      FieldToMatch: { UriPath: {} },
      TextTransformations: [
        { Priority: 0, Type: 'URL_DECODE' },
        { Priority: 1, Type: 'NORMALIZE_PATH' },
      ],
    });
    const regex = pathRegex(statement.ScopeDownStatement);
    // Every link route of the contract, live or planned, falls under it; nothing else does.
    for (const [operationId, route] of Object.entries(routes) as [OperationId, RouteSpec][]) {
      const path = `/${API_STAGE}${route.path}`;
      expect([operationId, regex.test(path)]).toEqual([operationId, route.access === 'link']);
    }
  });

  test('binding a device has the tightest limit: POST /devices only', () => {
    const statement = rule('rate-bind').Statement.RateBasedStatement;
    expect(statement).toMatchObject({ Limit: 20, AggregateKeyType: 'IP' });
    const [method, path] = statement.ScopeDownStatement.AndStatement.Statements;
    expect(method.ByteMatchStatement).toMatchObject({
      SearchString: 'POST',
      FieldToMatch: { Method: {} },
      PositionalConstraint: 'EXACTLY',
    });
    const regex = pathRegex(path);
    expect(regex.test(`/${API_STAGE}${routes.bindDevice.path}`)).toBe(true);
    expect(regex.test(`/${API_STAGE}${routes.unbindDevice.path}`)).toBe(false);
    expect(regex.test(`/${API_STAGE}${routes.createDeviceSession.path}`)).toBe(false);
  });

  test('rate-limited requests get 429 problem+json the page can read, with Retry-After', () => {
    for (const name of ['rate-all', 'rate-citizen', 'rate-bind']) {
      expect(rule(name).Action).toEqual({
        Block: {
          CustomResponse: {
            ResponseCode: 429,
            CustomResponseBodyKey: 'throttled',
            ResponseHeaders: [
              { Name: 'Access-Control-Allow-Origin', Value: WEB_ORIGIN },
              { Name: 'Cache-Control', Value: 'no-store' },
              { Name: 'Retry-After', Value: String(RATE_WINDOW_SECONDS) },
            ],
          },
        },
      });
    }
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      CustomResponseBodies: {
        throttled: { ContentType: 'APPLICATION_JSON', Content: Match.anyValue() },
        'too-large': { ContentType: 'APPLICATION_JSON', Content: Match.anyValue() },
      },
    });
    const bodies = acl.CustomResponseBodies as Record<string, { Content: string }>;
    expect(JSON.parse(bodies.throttled!.Content)).toEqual(problem('THROTTLED', expect.any(String)));
    expect(JSON.parse(bodies['too-large']!.Content)).toEqual(
      problem('PAYLOAD_TOO_LARGE', expect.any(String)),
    );
  });

  test('JSON bodies up to 16 KB pass: WAF sees 16 KB, and only bodies above that are blocked', () => {
    expect(acl.AssociationConfig).toEqual({
      RequestBody: { API_GATEWAY: { DefaultSizeInspectionLimit: 'KB_16' } },
    });
    expect(MAX_BODY_BYTES).toBe(16 * 1024);
    expect(rule('body-size')).toMatchObject({
      Action: { Block: { CustomResponse: { ResponseCode: 413, CustomResponseBodyKey: 'too-large' } } },
      Statement: {
        SizeConstraintStatement: {
          FieldToMatch: { Body: { OversizeHandling: 'MATCH' } },
          ComparisonOperator: 'GT',
          Size: MAX_BODY_BYTES,
        },
      },
    });
    // The common rule set's own 8 KB body rule only counts.
    expect(rule('aws-common')).toMatchObject({
      OverrideAction: { None: {} },
      Statement: {
        ManagedRuleGroupStatement: {
          VendorName: 'AWS',
          Name: 'AWSManagedRulesCommonRuleSet',
          RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }],
        },
      },
    });
  });
});

describe('WAF logs', () => {
  test('blocked and counted requests go to their own log group, Authorization redacted', () => {
    const [logGroupId] = Object.keys(
      template.findResources('AWS::Logs::LogGroup', {
        Properties: { LogGroupName: `aws-waf-logs-sightline-${testConfig.stage}-api` },
      }),
    );
    expect(logGroupId).toBeDefined();
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: `aws-waf-logs-sightline-${testConfig.stage}-api`,
      RetentionInDays: testConfig.logRetentionDays,
    });
    template.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      ResourceArn: { 'Fn::GetAtt': [aclId, 'Arn'] },
      LogDestinationConfigs: [
        {
          'Fn::Join': [
            '',
            Match.arrayWith([
              `arn:aws:logs:${testConfig.region}:123456789012:log-group:`,
              { Ref: logGroupId },
            ]),
          ],
        },
      ],
      RedactedFields: [{ SingleHeader: { Name: 'authorization' } }],
      LoggingFilter: {
        DefaultBehavior: 'DROP',
        Filters: [
          {
            Behavior: 'KEEP',
            Requirement: 'MEETS_ANY',
            Conditions: [{ ActionCondition: { Action: 'BLOCK' } }, { ActionCondition: { Action: 'COUNT' } }],
          },
        ],
      },
    });
  });
});

describe('what WAF does not answer itself', () => {
  test('is answered by the WAF_FILTERED gateway response, as problem+json', () => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'WAF_FILTERED',
      StatusCode: '403',
      ResponseParameters: Match.objectLike({
        'gatewayresponse.header.Content-Type': "'application/problem+json'",
      }),
    });
  });
});
