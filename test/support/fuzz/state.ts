import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { canonicalJson } from '../../../lambda/contract/link-proof';
import { tables } from '../../../lambda/core/tables';

/**
 * What a refused or malformed request must not change: every item, in every table of the
 * contract (a table added later is included without a change here), that mentions one of the
 * test's own records (its users, devices, organisations, invites). Other test files share the
 * cloud, so items about records they own are left out of the comparison.
 */
export type Snapshot = Record<string, string[]>;

const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));

async function scanAll(tableName: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

export async function snapshot(markers: readonly string[]): Promise<Snapshot> {
  if (markers.length === 0) throw new Error('A snapshot needs at least one marker');
  const out: Snapshot = {};
  await Promise.all(
    Object.entries(tables).map(async ([key, def]) => {
      const name = process.env[def.env];
      if (!name) throw new Error(`No table name for ${key} (${def.env})`);
      out[key] = (await scanAll(name))
        .map((item) => canonicalJson(item))
        .filter((text) => markers.some((m) => text.includes(m)))
        .sort();
    }),
  );
  return out;
}

/** The number of items a snapshot holds, to show it watches something. */
export function snapshotSize(s: Snapshot): number {
  return Object.values(s).reduce((n, items) => n + items.length, 0);
}
