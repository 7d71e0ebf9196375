import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { PRESENCE_RULE_SQL, REGISTRATION_RULE_SQL } from '../../../lambda/contract/iot-events';
import { claimPolicy, devicePolicy, fleetNames } from '../../../lambda/core/fleet-policies';
import { MASTER_ACTIONS } from '../../../lambda/core/kvs-policies';
import type { SightlineStack } from '../../../lib/sightline-stack';
import { synthSightline, testConfig } from './synth';
import { roleOfFunction, roleStatements, type Statement } from './template-iam';

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  DependsOn?: string[];
}

let stack: SightlineStack;
let template: Template;
let resources: Record<string, Resource>;
const names = fleetNames(testConfig.stage);
const REGION = testConfig.region;
const ACCOUNT = '123456789012';

/** `arn:<partition>:<service>:<region>:<account>:<rest>` as the template spells it. */
const arn = (service: string, rest: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${service}:${REGION}:${ACCOUNT}:${rest}`]],
});

beforeAll(() => {
  // GIVEN the whole stack with cdk-nag, WHEN it is synthesized
  ({ stack, template } = synthSightline({ nag: true }));
  resources = template.toJSON().Resources;
});

function only(type: string, props?: object): [string, Resource] {
  const found = Object.entries(template.findResources(type, props ? { Properties: props } : undefined));
  expect(found).toHaveLength(1);
  return found[0] as [string, Resource];
}
function functionId(handler: string): string {
  return only('AWS::Lambda::Function', {
    Handler: 'index.handler',
    Description: Match.stringLikeRegexp(handler),
  })[0];
}
function roleIdOf(fnId: string): string {
  return roleOfFunction(resources, fnId);
}
function statementsOfRole(roleId: string): Statement[] {
  return roleStatements(resources, roleId);
}
/** Statements with their action lists in order: CDK sorts them, the tests list them by meaning. */
function norm(statements: Statement[]): Statement[] {
  return statements.map((s) => (Array.isArray(s.Action) ? { ...s, Action: [...s.Action].sort() } : s));
}
/** A role's statements without the log-writing one every function has. */
function grants(roleId: string): Statement[] {
  return statementsOfRole(roleId).filter(
    (s) => !([] as string[]).concat(s.Action).every((a) => a.startsWith('logs:')),
  );
}
const policyDocument = (name: string) =>
  only('AWS::IoT::Policy', { PolicyName: name })[1].Properties.PolicyDocument as { Statement: Statement[] };

describe('provisioning template', () => {
  test('fleet provisioning by claim, enabled, with the hook on payload version 2020-04-01', () => {
    const [, tpl] = only('AWS::IoT::ProvisioningTemplate');
    expect(tpl.Properties).toMatchObject({
      TemplateName: names.template,
      TemplateType: 'FLEET_PROVISIONING',
      Enabled: true,
      PreProvisioningHook: {
        TargetArn: { 'Fn::GetAtt': [functionId('pre-provisioning hook'), 'Arn'] },
        PayloadVersion: '2020-04-01',
      },
    });
    expect(names.template).toMatch(/^[0-9A-Za-z_-]{1,36}$/);
  });

  test('parameters, thing from the serial in type and group, certificate by id, device policy by name', () => {
    const [, tpl] = only('AWS::IoT::ProvisioningTemplate');
    // The body is a JSON string with the endpoints spliced in: resolve it with stand-ins.
    const body = JSON.parse(
      JSON.stringify(stack.resolve(tpl.Properties.TemplateBody))
        .replace(/^\{"Fn::Join":\["",\[/, '')
        .replace(/\]\]\}$/, '')
        .split(/,\{"Fn::GetAtt":\["[^"]+","(\w+)"\]\},|,\{"Ref":"AWS::Region"\},/)
        .map((part, i) => (i % 2 === 1 ? `<${part}>` : JSON.parse(part)))
        .join(''),
    );
    expect(body.Parameters).toEqual({
      SerialNumber: { Type: 'String' },
      ProvisioningProof: { Type: 'String' },
      ThingName: { Type: 'String' },
      'AWS::IoT::Certificate::Id': { Type: 'String' },
    });
    expect(body.Resources.thing).toEqual({
      Type: 'AWS::IoT::Thing',
      Properties: {
        ThingName: { Ref: 'ThingName' },
        ThingTypeName: names.thingType,
        ThingGroups: [names.thingGroup],
        AttributePayload: { serial: { Ref: 'SerialNumber' } },
      },
      OverrideSettings: { AttributePayload: 'MERGE', ThingTypeName: 'REPLACE', ThingGroups: 'DO_NOTHING' },
    });
    expect(body.Resources.certificate).toEqual({
      Type: 'AWS::IoT::Certificate',
      Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' },
    });
    expect(body.Resources.policy).toEqual({
      Type: 'AWS::IoT::Policy',
      Properties: { PolicyName: names.devicePolicy },
    });
    expect(body.DeviceConfiguration).toEqual({
      CredentialEndpoint: '<CredentialEndpoint>',
      DataEndpoint: '<DataEndpoint>',
      RoleAlias: names.roleAlias,
      Region: REGION,
    });
  });

  test('the thing type, group, device policy and role alias exist before the template', () => {
    const [templateId, tpl] = only('AWS::IoT::ProvisioningTemplate');
    const [typeId] = only('AWS::IoT::ThingType', { ThingTypeName: names.thingType });
    const [groupId] = only('AWS::IoT::ThingGroup', { ThingGroupName: names.thingGroup });
    const [policyId] = only('AWS::IoT::Policy', { PolicyName: names.devicePolicy });
    const [aliasId] = only('AWS::IoT::RoleAlias');
    expect(resources[templateId]!.DependsOn).toEqual(
      expect.arrayContaining([typeId, groupId, policyId, aliasId]),
    );
    expect(tpl.Properties.ProvisioningRoleArn).toBeDefined();
  });

  test('only IoT, for this template, may invoke the hook, which answers within 5 s', () => {
    const hookId = functionId('pre-provisioning hook');
    expect(resources[hookId]!.Properties.Timeout).toBe(5);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [hookId, 'Arn'] },
      Principal: 'iot.amazonaws.com',
      SourceArn: arn('iot', `provisioningtemplate/${names.template}`),
      SourceAccount: ACCOUNT,
    });
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter((p) =>
      JSON.stringify(p.Properties.FunctionName).includes(hookId),
    );
    expect(permissions).toHaveLength(1);
  });

  test('the hook reads the device registry, and appends refused certificates to the audit trail', () => {
    const [tableId] = only('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'serial', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: Match.anyValue(),
    });
    const [auditId] = only('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'subject', KeyType: 'HASH' },
        { AttributeName: 'at', KeyType: 'RANGE' },
      ],
    });
    expect(grants(roleIdOf(functionId('pre-provisioning hook')))).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:Query'],
        Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
      },
      { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: { 'Fn::GetAtt': [auditId, 'Arn'] } },
    ]);
  });

  test('the provisioning role is trusted by IoT and has the policy AWS documents for it', () => {
    const [, tpl] = only('AWS::IoT::ProvisioningTemplate');
    const roleId = (tpl.Properties.ProvisioningRoleArn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    expect(resources[roleId]!.Properties).toMatchObject({
      AssumeRolePolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'iot.amazonaws.com' } },
        ],
      },
      ManagedPolicyArns: [
        {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSIoTThingsRegistration'],
          ],
        },
      ],
    });
    expect(statementsOfRole(roleId)).toEqual([]);
  });
});

describe('IoT policies', () => {
  const THING = '${iot:Connection.Thing.ThingName}';
  const shadow = `$aws/things/${THING}/shadow`;

  test('the device connects only as its own thing and uses only its own topics and the role alias', () => {
    expect(policyDocument(names.devicePolicy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'iot:Connect',
          Resource: arn('iot', `client/${THING}`),
          Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } },
        },
        {
          Effect: 'Allow',
          Action: 'iot:Publish',
          Resource: [
            arn('iot', `topic/${shadow}/get`),
            arn('iot', `topic/${shadow}/update`),
            arn('iot', `topic/devices/${THING}/*`),
          ],
        },
        {
          Effect: 'Allow',
          Action: 'iot:Subscribe',
          Resource: [
            arn('iot', `topicfilter/${shadow}/get/*`),
            arn('iot', `topicfilter/${shadow}/update/*`),
            arn('iot', `topicfilter/commands/${THING}/*`),
          ],
        },
        {
          Effect: 'Allow',
          Action: 'iot:Receive',
          Resource: [
            arn('iot', `topic/${shadow}/get/*`),
            arn('iot', `topic/${shadow}/update/*`),
            arn('iot', `topic/commands/${THING}/*`),
          ],
        },
        {
          Effect: 'Allow',
          Action: 'iot:AssumeRoleWithCertificate',
          Resource: arn('iot', `rolealias/${names.roleAlias}`),
        },
      ],
    });
  });

  test("the claim certificate may only provision: prov-* sessions, the CSR and this template's topics", () => {
    const csr = '$aws/certificates/create-from-csr/json';
    const provision = `$aws/provisioning-templates/${names.template}/provision/json`;
    const replies = [`${csr}/accepted`, `${csr}/rejected`, `${provision}/accepted`, `${provision}/rejected`];
    expect(policyDocument(names.claimPolicy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'iot:Connect', Resource: arn('iot', 'client/prov-*') },
        {
          Effect: 'Allow',
          Action: 'iot:Publish',
          Resource: [arn('iot', `topic/${csr}`), arn('iot', `topic/${provision}`)],
        },
        {
          Effect: 'Allow',
          Action: 'iot:Subscribe',
          Resource: replies.map((t) => arn('iot', `topicfilter/${t}`)),
        },
        { Effect: 'Allow', Action: 'iot:Receive', Resource: replies.map((t) => arn('iot', `topic/${t}`)) },
      ],
    });
  });

  test('the claim policy is attached to the claim certificate, and the device policy to no one by the stack', () => {
    const [claimPolicyId] = only('AWS::IoT::Policy', { PolicyName: names.claimPolicy });
    const [certId] = only('Custom::IotClaimCertificate');
    const [, attachment] = only('AWS::IoT::PolicyPrincipalAttachment');
    expect(attachment.Properties).toEqual({
      PolicyName: { Ref: claimPolicyId },
      Principal: { 'Fn::GetAtt': [certId, 'CertificateArn'] },
    });
  });
});

describe('IoT limits', () => {
  test('with the longest stage and region, policies fit in 2048 characters and the template name in 36', () => {
    const longest = fleetNames('s'.repeat(20));
    const where = { partition: 'aws-us-gov', region: 'ap-southeast-4', account: ACCOUNT };
    expect(longest.template.length).toBeLessThanOrEqual(36);
    expect(JSON.stringify(devicePolicy(where, longest.roleAlias)).length).toBeLessThanOrEqual(2048);
    expect(JSON.stringify(claimPolicy(where, longest.template)).length).toBeLessThanOrEqual(2048);
    for (const name of Object.values(longest)) expect(name).toMatch(/^[\w=,@-]{1,128}$/);
  });
});

describe('claim certificate', () => {
  test('its key goes to a secret the custom resource may only put values in; CloudFormation gets ids', () => {
    const [certId, cert] = only('Custom::IotClaimCertificate');
    const [secretId] = only('AWS::SecretsManager::Secret');
    expect(cert.Properties).toMatchObject({ SecretArn: { Ref: secretId }, Rotation: '1' });
    const fnId = (cert.Properties.ServiceToken as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    expect(resources[certId]!.DependsOn).toEqual(expect.arrayContaining([roleIdOf(fnId)]));
    expect(norm(grants(roleIdOf(fnId)))).toEqual(
      norm([
        { Effect: 'Allow', Action: 'secretsmanager:PutSecretValue', Resource: { Ref: secretId } },
        {
          Effect: 'Allow',
          Action: ['iot:CreateKeysAndCertificate', 'iot:DescribeEndpoint', 'iot:ListAttachedPolicies'],
          Resource: '*',
        },
        {
          Effect: 'Allow',
          Action: ['iot:UpdateCertificate', 'iot:DeleteCertificate', 'iot:DetachPolicy'],
          Resource: arn('iot', 'cert/*'),
        },
      ]),
    );
  });
});

describe('KVS credentials for devices', () => {
  test('the role alias names the device role, trusted only by the IoT credentials provider', () => {
    const [, alias] = only('AWS::IoT::RoleAlias');
    const roleId = (alias.Properties.RoleArn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    expect(alias.Properties).toMatchObject({ RoleAlias: names.roleAlias, CredentialDurationSeconds: 3600 });
    expect(resources[roleId]!.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { Service: 'credentials.iot.amazonaws.com' },
        },
      ],
    });
    expect(resources[roleId]!.Properties.MaxSessionDuration).toBe(3600);
    expect(norm(statementsOfRole(roleId))).toEqual(
      norm([
        {
          Effect: 'Allow',
          Action: [...MASTER_ACTIONS],
          Resource: arn('kinesisvideo', 'channel/${credentials-iot:ThingName}/*'),
        },
      ]),
    );
  });
});

describe('topic rules', () => {
  test.each([
    ['registration', REGISTRATION_RULE_SQL, 'signaling channel'],
    ['presence', PRESENCE_RULE_SQL, 'online'],
  ])('%s: its SQL feeds its handler, which only that rule may invoke', (purpose, sql, description) => {
    const ruleName = `sightline_${testConfig.stage}_${purpose}`;
    const fnId = functionId(description);
    const [ruleId] = only('AWS::IoT::TopicRule', { RuleName: ruleName });
    template.hasResourceProperties('AWS::IoT::TopicRule', {
      RuleName: ruleName,
      TopicRulePayload: {
        Sql: sql,
        AwsIotSqlVersion: '2016-03-23',
        RuleDisabled: false,
        Actions: [{ Lambda: { FunctionArn: { 'Fn::GetAtt': [fnId, 'Arn'] } } }],
      },
    });
    const permissions = Object.entries(template.findResources('AWS::Lambda::Permission')).filter(([, p]) =>
      JSON.stringify(p.Properties.FunctionName).includes(fnId),
    );
    expect(permissions.map(([, p]) => p.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
        Principal: 'iot.amazonaws.com',
        SourceArn: arn('iot', `rule/${ruleName}`),
        SourceAccount: ACCOUNT,
      },
    ]);
    expect(resources[ruleId]!.DependsOn).toEqual(expect.arrayContaining([permissions[0]![0]]));
  });

  test('registration may describe, create and tag channels of this deployment, and write the registry', () => {
    const statements = norm(grants(roleIdOf(functionId('signaling channel'))));
    expect(statements).toContainEqual(
      norm([
        {
          Effect: 'Allow',
          Action: [
            'kinesisvideo:DescribeSignalingChannel',
            'kinesisvideo:CreateSignalingChannel',
            'kinesisvideo:TagResource',
          ],
          Resource: arn('kinesisvideo', 'channel/*'),
        },
      ])[0],
    );
    expect(statements.flatMap((s) => ([] as string[]).concat(s.Action)).sort()).toEqual(
      [
        'dynamodb:ConditionCheckItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'kinesisvideo:CreateSignalingChannel',
        'kinesisvideo:DescribeSignalingChannel',
        'kinesisvideo:TagResource',
        // A registration it fails on goes to the dead-letter queue (lib/constructs/operations.ts).
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ].sort(),
    );
  });
});

describe('cdk destroy', () => {
  test('a teardown resource empties the thing group, and is deleted after the template and rules', () => {
    const [teardownId, teardown] = only('Custom::IotFleetTeardown');
    expect(teardown.Properties.ThingGroupName).toBe(names.thingGroup);
    const [groupId] = only('AWS::IoT::ThingGroup');
    const [typeId] = only('AWS::IoT::ThingType');
    const [policyId] = only('AWS::IoT::Policy', { PolicyName: names.devicePolicy });
    // CloudFormation deletes in reverse dependency order.
    expect(resources[teardownId]!.DependsOn).toEqual(expect.arrayContaining([groupId, typeId, policyId]));
    const [templateId] = only('AWS::IoT::ProvisioningTemplate');
    for (const id of [templateId, ...Object.keys(template.findResources('AWS::IoT::TopicRule'))]) {
      expect(resources[id]!.DependsOn).toContain(teardownId);
    }
  });

  test('the teardown reaches only what it deletes; ListAttachedPolicies is the one action without a resource', () => {
    const fnId = functionId('removes provisioned cameras');
    const [tableId] = only('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'serial', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: Match.anyValue(),
    });
    const table = { 'Fn::GetAtt': [tableId, 'Arn'] };
    const [invitesId] = only('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'inviteId', KeyType: 'HASH' }],
    });
    const [auditId] = only('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'subject', KeyType: 'HASH' },
        { AttributeName: 'at', KeyType: 'RANGE' },
      ],
    });
    const [teardownId] = only('Custom::IotFleetTeardown');
    expect(resources[teardownId]!.DependsOn).toEqual(expect.arrayContaining([tableId, invitesId, auditId]));
    expect(norm(grants(roleIdOf(fnId)))).toEqual(
      norm([
        // The registry forgets each removed device (it may outlive the stack).
        {
          Effect: 'Allow',
          Action: [
            'dynamodb:PutItem',
            'dynamodb:UpdateItem',
            'dynamodb:DeleteItem',
            'dynamodb:ConditionCheckItem',
            'dynamodb:GetItem',
            'dynamodb:Query',
          ],
          Resource: table,
        },
        // Open invites (their channels go too) and refused certificates (the audit trail, read only).
        {
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:Query'],
          Resource: [
            { 'Fn::GetAtt': [auditId, 'Arn'] },
            { 'Fn::GetAtt': [invitesId, 'Arn'] },
            { 'Fn::Join': ['', [{ 'Fn::GetAtt': [invitesId, 'Arn'] }, '/index/byExpiry']] },
          ],
        },
        {
          Effect: 'Allow',
          Action: 'iot:ListThingsInThingGroup',
          Resource: arn('iot', `thinggroup/${names.thingGroup}`),
        },
        {
          Effect: 'Allow',
          Action: ['iot:ListThingPrincipals', 'iot:DeleteThing'],
          Resource: arn('iot', 'thing/*'),
        },
        { Effect: 'Allow', Action: 'iot:ListPrincipalThings', Resource: arn('iot', 'cert/*') },
        {
          Effect: 'Allow',
          Action: [
            'iot:DetachThingPrincipal',
            'iot:UpdateCertificate',
            'iot:DeleteCertificate',
            'iot:DetachPolicy',
          ],
          Resource: [arn('iot', 'cert/*'), arn('iot', 'thing/*')],
        },
        { Effect: 'Allow', Action: 'iot:ListAttachedPolicies', Resource: '*' },
        {
          Effect: 'Allow',
          Action: ['kinesisvideo:DescribeSignalingChannel', 'kinesisvideo:DeleteSignalingChannel'],
          Resource: arn('kinesisvideo', 'channel/*'),
        },
      ]),
    );
  });
});

describe('least privilege', () => {
  test("no fleet role has a bare '*' resource but for actions that support none", () => {
    const allowedStar = new Set([
      'iot:CreateKeysAndCertificate',
      'iot:DescribeEndpoint',
      'iot:ListAttachedPolicies',
    ]);
    const fleetRoles = Object.keys(resources).filter(
      (id) => resources[id]!.Type === 'AWS::IAM::Role' && id.startsWith('Fleet'),
    );
    expect(fleetRoles.length).toBeGreaterThanOrEqual(7);
    for (const roleId of fleetRoles) {
      for (const s of statementsOfRole(roleId)) {
        if (s.Resource !== '*') continue;
        for (const action of ([] as string[]).concat(s.Action)) {
          expect({ roleId, action, allowed: allowedStar.has(action) || action.startsWith('logs:') }).toEqual({
            roleId,
            action,
            allowed: true,
          });
        }
      }
    }
  });

  test('cdk-nag: no unsuppressed finding in the fleet', () => {
    const messages = [
      ...Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ]
      .filter((m) => m.id.includes('/Fleet/'))
      .map((m) => `${m.id}: ${/^AwsSolutions-\w+(\[[^\]]*\])?/.exec(String(m.entry.data))?.[0]}`);
    expect(messages).toEqual([]);
  });
});
