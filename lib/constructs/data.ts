import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { tables, type TableDefinition } from '../../lambda/core/tables';
import type { TableKey } from '../../lambda/contract/types';
import { pascalCase } from '../naming';

export interface DataProps {
  /**
   * Keep the tables when the stack is destroyed (and protect them from deletion).
   * @default false
   */
  readonly retainData?: boolean;
}

/**
 * The DynamoDB tables of `lambda/core/tables.ts`, so the handlers, the local cloud and AWS share
 * one definition of keys, indexes and TTL. On-demand, with point-in-time recovery.
 */
export class Data extends Construct {
  /** Every table, by its key in `lambda/core/tables.ts`. */
  public readonly tables: Readonly<Record<TableKey, Table>>;

  constructor(scope: Construct, id: string, props: DataProps = {}) {
    super(scope, id);
    const retain = props.retainData ?? false;
    const made = {} as Record<TableKey, Table>;
    for (const [key, definition] of Object.entries(tables) as [TableKey, TableDefinition][]) {
      made[key] = this.makeTable(key, definition, retain);
    }
    this.tables = made;
  }

  private makeTable(key: TableKey, definition: TableDefinition, retain: boolean): Table {
    const table = new Table(this, pascalCase(key), {
      partitionKey: { name: definition.partitionKey, type: AttributeType.STRING },
      sortKey: definition.sortKey ? { name: definition.sortKey, type: AttributeType.STRING } : undefined,
      timeToLiveAttribute: definition.ttl,
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: retain,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    for (const [indexName, index] of Object.entries(definition.indexes ?? {})) {
      table.addGlobalSecondaryIndex({
        indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: index.sortKey ? { name: index.sortKey, type: AttributeType.STRING } : undefined,
        // Listings return whole items (an index of keys only would cost a second read per item),
        // except where the definition names what an index may carry.
        ...(index.include
          ? { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: [...index.include] }
          : { projectionType: ProjectionType.ALL }),
      });
    }
    return table;
  }
}
