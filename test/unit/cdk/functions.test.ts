import type { Template } from 'aws-cdk-lib/assertions';
import { liveRoutes } from '../../../lambda/contract/routes';
import { tables } from '../../../lambda/core/tables';
import type { TableKey } from '../../../lambda/contract/types';
import { handlerResources, type LiveHandler } from '../../../lib/handler-resources';
import { pascalCase } from '../../../lib/naming';
import { synthSightline, testConfig } from './synth';

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
}

let template: Template;
let resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
const handlers = [...new Set(liveRoutes().map(([, r]) => r.handler))] as LiveHandler[];

beforeAll(() => {
  // GIVEN the live routes and lib/handler-resources.ts
  // WHEN the stack is synthesized
  ({ template } = synthSightline());
  resources = template.toJSON().Resources;
});

function functionOf(handler: string): { id: string; props: Record<string, unknown> } {
  const found = Object.entries(
    template.findResources('AWS::Lambda::Function', {
      Properties: { Description: `Sightline API: ${handler}` },
    }),
  );
  expect(found).toHaveLength(1);
  const [id, resource] = found[0]!;
  return { id, props: resource.Properties };
}

function roleIdOf(handler: string): string {
  return (functionOf(handler).props.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
}

function statementsOf(roleId: string): Statement[] {
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) =>
      (r.Properties.Roles as unknown[]).some(
        (ref) => JSON.stringify(ref) === JSON.stringify({ Ref: roleId }),
      ),
    )
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

function tableId(key: TableKey): string {
  return (template.toJSON().Outputs[`${pascalCase(key)}TableName`].Value as { Ref: string }).Ref;
}

function actions(statement: Statement): string[] {
  return ([] as string[]).concat(statement.Action);
}

test('one function per live handler', () => {
  for (const handler of handlers) functionOf(handler);
});

describe.each(handlers)('%s', (handler) => {
  test('runs on Node.js 22 on arm64, with Powertools settings and no source maps at run time', () => {
    expect(functionOf(handler).props).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: handlerResources[handler].memorySize ?? 256,
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'sightline',
          POWERTOOLS_METRICS_NAMESPACE: 'Sightline',
          LOG_LEVEL: testConfig.logLevel,
        },
      },
    });
    // --enable-source-maps slows every cold start.
    expect(functionOf(handler).props.Environment).not.toHaveProperty(['Variables', 'NODE_OPTIONS']);
  });

  test('logs to its own log group, kept as configured', () => {
    const logGroupId = (functionOf(handler).props.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup
      .Ref;
    expect(resources[logGroupId]).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: testConfig.logRetentionDays },
    });
    expect(statementsOf(roleIdOf(handler))).toContainEqual({
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
    });
  });

  test('has its own role without managed policies', () => {
    const role = resources[roleIdOf(handler)];
    expect(role?.Type).toBe('AWS::IAM::Role');
    expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('gets the name of each table it uses, and no other', () => {
    const variables = (functionOf(handler).props.Environment as { Variables: Record<string, unknown> })
      .Variables;
    const used = Object.keys(handlerResources[handler].tables) as TableKey[];
    for (const key of Object.keys(tables) as TableKey[]) {
      expect(variables[tables[key].env]).toEqual(used.includes(key) ? { Ref: tableId(key) } : undefined);
    }
  });

  test('may touch no table it was not given', () => {
    const granted = Object.keys(handlerResources[handler].tables).map((key) => tableId(key as TableKey));
    const dynamoStatements = statementsOf(roleIdOf(handler)).filter((s) =>
      actions(s).some((a) => a.startsWith('dynamodb:')),
    );
    const touched = new Set(
      JSON.stringify(dynamoStatements.map((s) => s.Resource)).match(/Data[A-Za-z]+[0-9A-F]{8}/g),
    );
    expect([...touched].sort()).toEqual([...new Set(granted)].sort());
    expect(dynamoStatements.flatMap(actions)).not.toContain('dynamodb:Scan');
  });
});

test('the audit trail is append-only: every grant on it is PutItem alone, or a read', () => {
  const audit = tableId('audit');
  const onAudit = Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
    .filter((s) => JSON.stringify(s.Resource).includes(`"${audit}"`));
  expect(onAudit.length).toBeGreaterThan(0);
  // The fleet teardown reads the refused certificates the provisioning hook appended.
  const reads = ['dynamodb:GetItem', 'dynamodb:Query'];
  for (const statement of onAudit) {
    expect([['dynamodb:PutItem'], reads]).toContainEqual(actions(statement));
  }
  expect(onAudit.filter((s) => actions(s).includes('dynamodb:PutItem')).length).toBeGreaterThan(0);
});

test('listing devices reads and never writes', () => {
  const written = statementsOf(roleIdOf('list-devices'))
    .flatMap(actions)
    .filter((a) => a.startsWith('dynamodb:') && !['dynamodb:GetItem', 'dynamodb:Query'].includes(a));
  expect(written).toEqual([]);
});

test('reads reach only the indexes a handler names, by name, not by wildcard', () => {
  const devices = tableId('devices');
  const read = statementsOf(roleIdOf('list-devices')).find((s) => actions(s).includes('dynamodb:Query'));
  expect(read?.Resource).toEqual([
    { 'Fn::GetAtt': [devices, 'Arn'] },
    { 'Fn::Join': ['', [{ 'Fn::GetAtt': [devices, 'Arn'] }, '/index/byOwner']] },
  ]);
  // The registry-wide index is the operator's tool, never a handler's.
  for (const handler of ['list-devices', 'bind-device', 'unbind-device'] as const) {
    expect(JSON.stringify(statementsOf(roleIdOf(handler)))).not.toContain('/index/bySerial');
  }
});

test('no handler may batch-write', () => {
  for (const handler of ['list-devices', 'bind-device', 'unbind-device'] as const) {
    expect(statementsOf(roleIdOf(handler)).flatMap(actions)).not.toContain('dynamodb:BatchWriteItem');
  }
});
