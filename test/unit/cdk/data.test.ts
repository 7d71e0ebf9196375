import type { Template } from 'aws-cdk-lib/assertions';
import { tables, type TableDefinition } from '../../../lambda/core/tables';
import { pascalCase } from '../../../lib/naming';
import { synthSightline } from './synth';

let template: Template;
const definitions = Object.entries(tables) as [string, TableDefinition][];

function keySchema(partitionKey: string, sortKey?: string) {
  return [
    { AttributeName: partitionKey, KeyType: 'HASH' },
    ...(sortKey ? [{ AttributeName: sortKey, KeyType: 'RANGE' }] : []),
  ];
}

/** The table a stack output names: the same way the device registry CLI finds it. */
function tableFor(key: string): { DeletionPolicy?: string; Properties: Record<string, unknown> } {
  const ref = (
    template.toJSON().Outputs[`${pascalCase(key)}TableName`]?.Value as { Ref?: string } | undefined
  )?.Ref;
  const table = ref ? template.toJSON().Resources[ref] : undefined;
  if (table?.Type !== 'AWS::DynamoDB::Table')
    throw new Error(`No table behind output ${pascalCase(key)}TableName`);
  return table;
}

beforeAll(() => {
  // GIVEN the table definitions of lambda/core/tables.ts
  // WHEN the stack is synthesized
  ({ template } = synthSightline());
});

test('one table per definition', () => {
  template.resourceCountIs('AWS::DynamoDB::Table', definitions.length);
});

describe.each(definitions)('table %s', (key, definition) => {
  test('has the defined keys, on demand, with point-in-time recovery and AWS-managed encryption', () => {
    expect(tableFor(key).Properties).toMatchObject({
      KeySchema: keySchema(definition.partitionKey, definition.sortKey),
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    expect(tableFor(key).Properties.SSESpecification).not.toHaveProperty('KMSMasterKeyId');
  });

  test(definition.ttl ? `expires items by ${definition.ttl}` : 'has no TTL', () => {
    expect(tableFor(key).Properties.TimeToLiveSpecification).toEqual(
      definition.ttl ? { AttributeName: definition.ttl, Enabled: true } : undefined,
    );
  });

  test('has exactly the defined indexes, projecting what each may carry', () => {
    const indexes = Object.entries(definition.indexes ?? {}).map(([IndexName, index]) => ({
      IndexName,
      KeySchema: keySchema(index.partitionKey, index.sortKey),
      Projection: index.include
        ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.include] }
        : { ProjectionType: 'ALL' },
    }));
    expect(tableFor(key).Properties.GlobalSecondaryIndexes).toEqual(indexes.length > 0 ? indexes : undefined);
  });

  test('is destroyed with the stack when data is not retained', () => {
    expect(tableFor(key).DeletionPolicy).toBe('Delete');
    expect(tableFor(key).Properties.DeletionProtectionEnabled).toBe(false);
  });
});

test('the registry-wide index never carries the secret hashes', () => {
  const registry = tables.devices.indexes.bySerial;
  expect(registry.include).not.toContain('secretHash');
  expect(registry.include).toEqual(
    expect.arrayContaining(['provisioned', 'online', 'ownerSub', 'registeredAt']),
  );
});
