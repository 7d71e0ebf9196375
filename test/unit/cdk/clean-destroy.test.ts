import { Match, type Template } from 'aws-cdk-lib/assertions';
import { synthSightline } from './synth';

/** What `cdk destroy` removes, how long CloudFormation waits for it, and what it leaves. */

let template: Template;
let resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;

beforeAll(() => {
  // GIVEN the stack as the tests synthesize it
  ({ template } = synthSightline());
  resources = template.toJSON().Resources;
});

/** The statements of the role of the function whose description starts with `description`. */
function statementsOf(description: string): { Action: string | string[]; Resource: unknown }[] {
  const fn = Object.values(resources).find(
    (r) =>
      r.Type === 'AWS::Lambda::Function' && String(r.Properties.Description ?? '').startsWith(description),
  );
  const roleId = (fn!.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => JSON.stringify(r.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: [] }).Statement);
}

const allows = (statements: { Action: string | string[] }[], action: string) =>
  statements.filter((s) => ([] as string[]).concat(s.Action).includes(action));

test('both custom resources bound how long CloudFormation waits, beyond their function timeout', () => {
  // THEN a crash at load costs minutes, not CloudFormation's default hour
  template.hasResourceProperties('Custom::IotFleetTeardown', { ServiceTimeout: '900' });
  template.hasResourceProperties('Custom::IotClaimCertificate', { ServiceTimeout: '180' });
  template.hasResourceProperties('AWS::Lambda::Function', {
    Description: Match.stringLikeRegexp('removes provisioned cameras'),
    Timeout: 840,
  });
  template.hasResourceProperties('AWS::Lambda::Function', {
    Description: Match.stringLikeRegexp('claim certificate'),
    Timeout: 120,
  });
});

test("the teardown may find open invites and refused certificates, and delete channels (cameras' and invites')", () => {
  const teardown = statementsOf('Sightline: removes provisioned cameras');
  expect(JSON.stringify(allows(teardown, 'dynamodb:Query'))).toMatch(/index\/byExpiry/);
  expect(JSON.stringify(allows(teardown, 'dynamodb:Query'))).toMatch(/DataAudit/);
  expect(JSON.stringify(allows(teardown, 'kinesisvideo:DeleteSignalingChannel'))).toMatch(/channel\/\*"/);
  expect(JSON.stringify(allows(teardown, 'iot:ListPrincipalThings'))).toMatch(/cert\/\*/);
  // It only reads the audit trail.
  expect(JSON.stringify(allows(teardown, 'dynamodb:PutItem'))).not.toMatch(/DataAudit/);
});

test('the provisioning hook may append (only) to the audit trail, to record refused certificates', () => {
  const hook = statementsOf('Sightline: fleet provisioning pre-provisioning hook');
  expect(JSON.stringify(allows(hook, 'dynamodb:PutItem'))).toMatch(/DataAudit/);
  expect(JSON.stringify(allows(hook, 'dynamodb:UpdateItem'))).not.toMatch(/DataAudit/);
});

test('no invite can be sent once the teardown has run: the invite function goes first', () => {
  const [teardownId] = Object.keys(template.findResources('Custom::IotFleetTeardown'));
  const inviteFunction = Object.values(
    template.findResources('AWS::Lambda::Function', {
      Properties: { Description: 'Sightline API: create-invite' },
    }),
  )[0] as { DependsOn?: string[] };
  expect(inviteFunction.DependsOn).toContain(teardownId);
});

test('what outlives the stack is an output: the API Gateway account role always', () => {
  template.hasOutput('LeftAfterDestroy', {
    Value: Match.stringLikeRegexp("Api/RestApi/CloudWatchRole \\(the API Gateway account's"),
  });
  expect(template.toJSON().Outputs.LeftAfterDestroy.Value).not.toMatch(/DynamoDB/);
});

test('with retainData, the data is listed too', () => {
  const retained = synthSightline({ config: { retainData: true } }).template;
  retained.hasOutput('LeftAfterDestroy', {
    Value: Match.stringLikeRegexp('AWS::Cognito::UserPool: Auth/UserPool; 8 × AWS::DynamoDB::Table;'),
  });
});
