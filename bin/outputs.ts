import { existsSync, readFileSync } from 'node:fs';
import type { LocalOutputs } from '../lambda/contract/types';

/**
 * The outputs file the operator tools find the platform through: `.local/outputs.json` (the local
 * cloud), `outputs.json` (written by `npx cdk deploy --all --outputs-file`), or the one named with
 * --outputs.
 */
export type Outputs = { kind: 'local'; local: LocalOutputs } | { kind: 'aws'; stack: Record<string, string> };

/** The outputs file this process loaded, so that a failure can name what did not answer. */
let loaded: { kind: Outputs['kind']; file: string; url: string } | undefined;
export function loadedOutputs(): typeof loaded {
  return loaded;
}

/**
 * Reads the outputs file and points the SDK at what it names. A deployed stack's outputs are
 * `{ "<StackName>": { "<Output>": … } }`; the stack is the one that has `requiredOutput`.
 */
export function loadOutputs(explicit: string | undefined, requiredOutput: string): Outputs {
  const file = explicit ?? ['.local/outputs.json', 'outputs.json'].find((f) => existsSync(f));
  if (!file || !existsSync(file)) {
    throw new Error(
      'No outputs file found. Start the local cloud (npm start) or deploy (npx cdk deploy --all) first.',
    );
  }
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  if ('awsEndpoints' in raw) {
    const local = raw as unknown as LocalOutputs;
    // A local cloud reset or removed since it wrote this file took its certificate with it.
    if (!existsSync(local.caCertPath)) {
      throw new Error(
        `${file} is from a local cloud that is not running here (its CA ${local.caCertPath} is gone). ` +
          `Start it with npm start, or name a deployed stack's outputs with --outputs outputs.json.`,
      );
    }
    // Point the SDK at DynamoDB Local, exactly as the local cloud does for its handlers.
    process.env.AWS_ENDPOINT_URL_DYNAMODB = local.awsEndpoints.dynamodb;
    process.env.AWS_REGION = local.region;
    process.env.AWS_ACCESS_KEY_ID ??= 'LOCALADMINKEY';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local-admin-secret';
    loaded = { kind: 'local', file, url: local.webUrl };
    return { kind: 'local', local };
  }
  const stack = Object.values(raw).find(
    (v): v is Record<string, string> => typeof v === 'object' && v !== null && requiredOutput in v,
  );
  if (!stack) throw new Error(`${file} has no ${requiredOutput} output; is it from this project's stack?`);
  process.env.AWS_REGION ??= stack.Region;
  loaded = { kind: 'aws', file, url: stack.WebUrl ?? '' };
  return { kind: 'aws', stack };
}
