import type { Template } from 'aws-cdk-lib/assertions';
import { synthSightline } from './synth';

let template: Template;

beforeAll(() => {
  // GIVEN a deployment whose data matters
  // WHEN it is synthesized with retainData
  ({ template } = synthSightline({ config: { retainData: true } }));
});

test.each(['AWS::DynamoDB::Table', 'AWS::S3::Bucket', 'AWS::Cognito::UserPool', 'AWS::Logs::LogGroup'])(
  'every %s survives cdk destroy',
  (type) => {
    const found = Object.entries(template.findResources(type));
    expect(found.length).toBeGreaterThan(0);
    for (const [id, resource] of found) expect([id, resource.DeletionPolicy]).toEqual([id, 'Retain']);
  },
);

test('tables and the user pool are protected from deletion', () => {
  for (const table of Object.values(template.findResources('AWS::DynamoDB::Table'))) {
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
  }
  template.hasResourceProperties('AWS::Cognito::UserPool', { DeletionProtection: 'ACTIVE' });
});

test('buckets are not emptied on delete', () => {
  template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
});
