import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import type { SynthesisMessage } from 'aws-cdk-lib/cx-api';
import { tables } from '../../../lambda/core/tables';
import { pascalCase } from '../../../lib/naming';
import type { SightlineStack } from '../../../lib/sightline-stack';
import { synthSightline, testConfig } from './synth';

let stack: SightlineStack;
let template: Template;

/** `/Sightline/Path: AwsSolutions-IAM5[Action::s3:List*]`, without the rule's long explanation. */
function findingsOf(messages: SynthesisMessage[]): string[] {
  return messages.map((m) => `${m.id}: ${/^AwsSolutions-\w+(\[[^\]]*\])?/.exec(String(m.entry.data))?.[0]}`);
}

beforeAll(() => {
  // GIVEN the stack with cdk-nag's AwsSolutions checks, as bin/sightline.ts applies them
  // WHEN it is synthesized
  ({ stack, template } = synthSightline({ nag: true }));
});

describe('cdk-nag AwsSolutions', () => {
  test('no unsuppressed errors', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(findingsOf(errors)).toEqual([]);
  });

  test('the only warning left is CloudFront without WAF (the API has its web ACL)', () => {
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(
      findingsOf(warnings)
        .map((w) => w.replace(/^.*: /, ''))
        .sort(),
    ).toEqual(['AwsSolutions-CFR2']);
  });
});

describe('cdk destroy', () => {
  test("nothing is retained by default but API Gateway's account-wide logging setting", () => {
    const retained = Object.entries(
      template.toJSON().Resources as Record<string, { Type: string; DeletionPolicy?: string }>,
    )
      .filter(([, r]) => r.DeletionPolicy !== undefined && r.DeletionPolicy !== 'Delete')
      .map(([id, r]) => [r.Type, id.replace(/[0-9A-F]{8}$/, '')]);
    // Every REST API in the account and region shares the setting and its role; deleting them
    // would break the others' execution logs.
    expect(retained.sort()).toEqual([
      ['AWS::ApiGateway::Account', 'ApiRestApiAccount'],
      ['AWS::IAM::Role', 'ApiRestApiCloudWatchRole'],
    ]);
  });

  test("every log group is the stack's own, with the configured retention", () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThan(0);
    for (const group of groups) expect(group.Properties.RetentionInDays).toBe(testConfig.logRetentionDays);
  });
});

describe('outputs', () => {
  test('everything the web client, the CLIs and the tests need, by stable names', () => {
    const outputs = template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'Region',
        'WebUrl',
        'ApiUrl',
        'UserPoolId',
        'UserPoolClientId',
        'IotEndpoint',
        'ProvisioningTemplateName',
        'ClaimSecretArn',
        'PhotosBucketName',
        'SmsConfigurationSetName',
        'LeftAfterDestroy',
        ...Object.keys(tables).map((key) => `${pascalCase(key)}TableName`),
      ].sort(),
    );
    template.hasOutput('Region', { Value: testConfig.region });
  });

  test('the stack is in the configured region', () => {
    expect(stack.region).toBe(testConfig.region);
  });
});
