import { Match, type Template } from 'aws-cdk-lib/assertions';
import { GATEWAY_MESSAGE, gatewayProblems, problem, problemCodes } from '../../../lambda/contract/problems';
import { liveRoutes } from '../../../lambda/contract/routes';
import { problemTemplate } from '../../../lib/constructs/api';
import { toModelSchema } from '../../../lib/json-schema';
import { logicalIds, synthSightline, testConfig } from './synth';

let template: Template;
const live = liveRoutes();
const WEB_DOMAIN = { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebDistribution'), 'DomainName'] };
const WEB_ORIGIN = { 'Fn::Join': ['', ['https://', WEB_DOMAIN]] };

beforeAll(() => {
  // GIVEN the live routes of lambda/contract/routes.ts
  // WHEN the stack is synthesized
  ({ template } = synthSightline());
});

describe('routes', () => {
  test('one method per live route, plus one CORS preflight per path', () => {
    const paths = new Set(live.map(([, r]) => r.path));
    template.resourceCountIs('AWS::ApiGateway::Method', live.length + paths.size);
  });

  test.each(live)('%s is a Lambda proxy with the right authorization', (operationId, route) => {
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: route.method,
      OperationName: operationId,
      Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' },
      ...(route.access === 'link'
        ? { AuthorizationType: 'NONE', AuthorizerId: Match.absent() }
        : {
            AuthorizationType: 'COGNITO_USER_POOLS',
            AuthorizerId: { Ref: Match.stringLikeRegexp('^ApiAuthorizer') },
          }),
    });
  });

  test.each(live.filter(([, r]) => r.request))('%s validates its body against its model', (operationId) => {
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      OperationName: operationId,
      RequestValidatorId: { Ref: Match.anyValue() },
      RequestModels: { 'application/json': { Ref: Match.anyValue() } },
    });
  });

  test.each(live.filter(([, r]) => r.path.includes('{')))(
    '%s requires its path parameters',
    (operationId, route) => {
      const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        OperationName: operationId,
        RequestParameters: Object.fromEntries(names.map((n) => [`method.request.path.${n}`, true])),
        RequestValidatorId: { Ref: Match.anyValue() },
      });
    },
  );

  test('the validator checks both the body and the parameters', () => {
    template.resourceCountIs('AWS::ApiGateway::RequestValidator', 1);
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
  });

  test('each request model is the contract schema as draft-04', () => {
    for (const [, route] of live.filter(([, r]) => r.request)) {
      template.hasResourceProperties('AWS::ApiGateway::Model', {
        ContentType: 'application/json',
        Schema: { $schema: 'http://json-schema.org/draft-04/schema#', ...route.request },
      });
    }
  });

  test('the authorizer checks ID tokens of the user pool from the Authorization header', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'COGNITO_USER_POOLS',
      IdentitySource: 'method.request.header.Authorization',
      ProviderARNs: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^AuthUserPool'), 'Arn'] }],
    });
  });

  test('CORS preflight allows only the web origin, with Content-Type and Authorization', () => {
    const paths = new Set(live.map(([, r]) => r.path));
    template.resourcePropertiesCountIs(
      'AWS::ApiGateway::Method',
      {
        HttpMethod: 'OPTIONS',
        AuthorizationType: 'NONE',
        Integration: {
          Type: 'MOCK',
          IntegrationResponses: [
            Match.objectLike({
              ResponseParameters: Match.objectLike({
                'method.response.header.Access-Control-Allow-Origin': {
                  'Fn::Join': ['', ["'https://", WEB_DOMAIN, "'"]],
                },
                'method.response.header.Access-Control-Allow-Headers': "'Content-Type,Authorization'",
              }),
            }),
          ],
        },
      },
      paths.size,
    );
  });
});

describe('gateway responses', () => {
  test('one per gateway problem', () => {
    template.resourceCountIs('AWS::ApiGateway::GatewayResponse', Object.keys(gatewayProblems).length);
  });

  test.each(Object.entries(gatewayProblems))(
    '%s answers problem+json for the web origin',
    (type, { code }) => {
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        StatusCode: String(problemCodes[code].status),
        ResponseParameters: {
          'gatewayresponse.header.Content-Type': "'application/problem+json'",
          'gatewayresponse.header.Access-Control-Allow-Origin': {
            'Fn::Join': ['', ["'https://", WEB_DOMAIN, "'"]],
          },
          'gatewayresponse.header.Cache-Control': "'no-store'",
        },
        ResponseTemplates: { 'application/json': Match.stringLikeRegexp(`"code":"${code}"`) },
      });
    },
  );

  test('a fixed detail renders as the problem itself', () => {
    // WHEN
    const rendered = problemTemplate('UNAUTHORIZED', 'The token has expired.');

    // THEN: no VTL left in it, so API Gateway sends it as is
    expect(JSON.parse(rendered)).toEqual(problem('UNAUTHORIZED', 'The token has expired.'));
  });

  test("the gateway's own message goes in unquoted, as API Gateway substitutes it already quoted", () => {
    // WHEN
    const rendered = problemTemplate('INVALID_REQUEST', GATEWAY_MESSAGE);

    // THEN: no VTL (gateway responses only substitute variables) and valid JSON once substituted
    expect(rendered).toContain(`"detail":${GATEWAY_MESSAGE},`);
    expect(rendered).not.toContain('$util');
    const substituted = rendered.replace(GATEWAY_MESSAGE, JSON.stringify('Invalid request body'));
    expect(JSON.parse(substituted)).toEqual(problem('INVALID_REQUEST', 'Invalid request body'));
  });

  test('text VTL would interpret is refused', () => {
    expect(() => problemTemplate('INTERNAL', 'costs $5')).toThrow(/may not contain/);
  });
});

describe('stage', () => {
  test('v1, throttled from the configuration, logging errors and JSON access logs', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      AccessLogSetting: {
        DestinationArn: Match.anyValue(),
        Format: Match.serializedJson(
          Match.objectLike({ requestId: '$context.requestId', status: '$context.status' }),
        ),
      },
      MethodSettings: [
        {
          HttpMethod: '*',
          ResourcePath: '/*',
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
          ThrottlingRateLimit: testConfig.apiThrottle.rateLimit,
          ThrottlingBurstLimit: testConfig.apiThrottle.burstLimit,
        },
      ],
    });
  });

  test('access logs go to their own log group, kept as configured', () => {
    const [stage] = Object.values(template.findResources('AWS::ApiGateway::Stage'));
    const logGroupId = /"(ApiAccessLogs[0-9A-F]{8})"/.exec(
      JSON.stringify(stage?.Properties.AccessLogSetting),
    )?.[1];
    expect(logGroupId).toBeDefined();
    expect(template.toJSON().Resources[logGroupId!]).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: testConfig.logRetentionDays },
    });
  });

  test('execution logs go to a group the stack owns, created before the stage', () => {
    const ids = logicalIds(template, 'AWS::Logs::LogGroup', {
      LogGroupName: {
        'Fn::Join': [
          '',
          ['API-Gateway-Execution-Logs_', { Ref: Match.stringLikeRegexp('^ApiRestApi') }, '/v1'],
        ],
      },
      RetentionInDays: testConfig.logRetentionDays,
    });
    expect(ids).toHaveLength(1);
    template.hasResource('AWS::ApiGateway::Stage', { DependsOn: Match.arrayWith([ids[0]]) });
  });

  test('the account has a CloudWatch role for execution logs, kept when the stack goes', () => {
    template.hasResourceProperties('AWS::ApiGateway::Account', {
      CloudWatchRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('CloudWatchRole'), 'Arn'] },
    });
    // The setting is shared by every REST API in the account and region.
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: {
        ManagedPolicyArns: Match.arrayWith([Match.objectLike({ 'Fn::Join': Match.anyValue() })]),
      },
    });
    const cloudWatchRoles = Object.entries(roles).filter(([id]) => id.includes('CloudWatchRole'));
    expect(cloudWatchRoles).toHaveLength(1);
    expect(cloudWatchRoles[0]![1].DeletionPolicy).toBe('Retain');
  });

  test('handlers learn the web origin for CORS', () => {
    const handlers = logicalIds(template, 'AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ALLOWED_ORIGIN: WEB_ORIGIN }) },
    });
    expect(handlers).toHaveLength(new Set(live.map(([, r]) => r.handler)).size);
  });
});

describe('toModelSchema', () => {
  test('refuses a keyword outside the contract subset rather than dropping it', () => {
    expect(() => toModelSchema({ type: 'object', oneOf: [] })).toThrow(/"oneOf" is outside/);
  });
});
