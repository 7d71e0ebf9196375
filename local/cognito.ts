import {
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolCommand,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './constants';
import type { Outbox } from './outbox';
import { freePort, waitFor } from './ports';

export interface LocalCognito {
  /** cognito-local's own plain-HTTP endpoint (the HTTPS origin proxies /cognito to it). */
  endpoint: string;
  issuer: string;
  userPoolId: string;
  userPoolClientId: string;
  /** Attributes the app client may write; cognito-local does not enforce this, our proxy does. */
  writeAttributes: string[];
  process: ChildProcess;
}

/** The same rules as the CDK user pool (lib/constructs/auth.ts). */
export const PASSWORD_POLICY = {
  MinimumLength: 12,
  RequireUppercase: true,
  RequireLowercase: true,
  RequireNumbers: true,
  RequireSymbols: true,
} as const;

const WRITE_ATTRIBUTES = ['email', 'name'];

/**
 * Runs cognito-local with its state under `dir`, and makes sure the user pool, app client and
 * `dispatchers` group exist. Sign-up codes it would have emailed go to the outbox.
 */
export async function startCognito(dir: string, outbox: Outbox): Promise<LocalCognito> {
  mkdirSync(join(dir, '.cognito'), { recursive: true });
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(dir, '.cognito', 'config.json'),
    JSON.stringify({ TokenConfig: { IssuerDomain: endpoint } }, null, 2),
  );
  const bin = require.resolve('cognito-local/lib/bin/start.js');
  const child = spawn(process.execPath, [bin], {
    cwd: dir,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DEBUG: '', NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  captureCodes(child, outbox);
  const client = new CognitoIdentityProviderClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    await waitFor('cognito-local', async () => {
      if (child.exitCode !== null) throw new Error('cognito-local exited');
      await client.send(new ListUserPoolsCommand({ MaxResults: 1 }));
    });
    const ids = await ensurePool(client, join(dir, 'ids.json'));
    return {
      endpoint,
      issuer: `${endpoint}/${ids.userPoolId}`,
      ...ids,
      writeAttributes: WRITE_ATTRIBUTES,
      process: child,
    };
  } catch (err) {
    child.kill();
    throw err;
  } finally {
    client.destroy();
  }
}

async function ensurePool(
  client: CognitoIdentityProviderClient,
  idsPath: string,
): Promise<{ userPoolId: string; userPoolClientId: string }> {
  if (existsSync(idsPath)) {
    const ids = JSON.parse(readFileSync(idsPath, 'utf8')) as { userPoolId: string; userPoolClientId: string };
    const exists = await client
      .send(new DescribeUserPoolCommand({ UserPoolId: ids.userPoolId }))
      .then(() => true)
      .catch(() => false);
    if (exists) return ids;
  }
  const pool = await client.send(
    new CreateUserPoolCommand({
      PoolName: 'sightline-users',
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
      Policies: { PasswordPolicy: PASSWORD_POLICY },
      Schema: [{ Name: 'orgId', AttributeDataType: 'String', Mutable: true }],
    }),
  );
  const userPoolId = pool.UserPool!.Id!;
  const appClient = await client.send(
    new CreateUserPoolClientCommand({
      UserPoolId: userPoolId,
      ClientName: 'sightline-web',
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      WriteAttributes: WRITE_ATTRIBUTES,
      PreventUserExistenceErrors: 'ENABLED',
    }),
  );
  await client.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: 'dispatchers' }));
  const ids = { userPoolId, userPoolClientId: appClient.UserPoolClient!.ClientId! };
  writeFileSync(idsPath, JSON.stringify(ids, null, 2));
  return ids;
}

/** cognito-local prints each code it would email in a box; read the box, keep the code. */
function captureCodes(child: ChildProcess, outbox: Outbox): void {
  let buffer = '';
  const onData = (chunk: Buffer) => {
    // eslint-disable-next-line no-control-regex
    buffer += chunk.toString().replace(/\u001b\[[0-9;]*m/g, '');
    let end: number;
    while ((end = buffer.indexOf('╯')) !== -1) {
      const box = buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
      const to = /Destination:\s+(\S+)/.exec(box)?.[1];
      const code = /Code:\s+(\S+)/.exec(box)?.[1];
      if (to && code)
        outbox.add({ channel: 'email', to, text: `Your Sightline verification code is ${code}` });
    }
    if (buffer.length > 10_000) buffer = buffer.slice(-5_000);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
}
