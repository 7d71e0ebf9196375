import {
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolCommand,
  ListUserPoolsCommand,
  SetUserPoolMfaConfigCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './constants';
import type { Outbox } from './outbox';
import { waitFor } from './ports';

export interface LocalCognito {
  /**
   * cognito-local's Unix socket, in a folder only this user may open: nothing reaches the user
   * store except through the HTTPS origin's /cognito proxy, which holds it to Cognito's rules.
   */
  socketPath: string;
  /** The key this local cloud signs its tokens with (made at first start, kept in the state). */
  signingKey: LocalSigningKey;
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

/** An RS256 key pair and its key id, as a user pool's JWKS publishes it. */
export interface LocalSigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: { kty: string; n: string; e: string; kid: string; alg: 'RS256'; use: 'sig' };
}

/**
 * The local cloud's own token-signing key: made at its first start, kept (owner-only) in the
 * state folder so tokens survive a restart. Never the key that ships in the cognito-local
 * package, which anyone can read and sign with.
 */
export function ensureSigningKey(file: string): LocalSigningKey {
  let saved: { kid: string; privateJwk: JsonWebKey } | undefined;
  if (existsSync(file)) saved = JSON.parse(readFileSync(file, 'utf8')) as typeof saved;
  if (!saved) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    saved = { kid: randomBytes(16).toString('base64url'), privateJwk: privateKey.export({ format: 'jwk' }) };
    writeFileSync(file, JSON.stringify(saved), { mode: 0o600, flag: 'wx' });
  }
  const privateKey = createPrivateKey({ key: saved.privateJwk, format: 'jwk' });
  const { n, e, kty } = createPublicKey(privateKey).export({ format: 'jwk' });
  return {
    kid: saved.kid,
    privateKey,
    publicJwk: { kty: kty!, n: n!, e: e!, kid: saved.kid, alg: 'RS256', use: 'sig' },
  };
}

/** An HTTP agent whose every connection goes to a Unix socket (the SDK has no socketPath option). */
export function unixSocketAgent(socketPath: string): Agent {
  const agent = new Agent({ keepAlive: true });
  Object.assign(agent, { createConnection: () => connect(socketPath) });
  return agent;
}

/**
 * Runs cognito-local with its state under `dir`, listening on a Unix socket there, and makes sure
 * the user pool (MFA optional, by authenticator app, as on AWS), app client and `dispatchers`
 * group exist. Sign-up codes it would have emailed go to the outbox.
 */
export async function startCognito(dir: string, outbox: Outbox): Promise<LocalCognito> {
  mkdirSync(join(dir, '.cognito'), { recursive: true, mode: 0o700 });
  // An earlier version kept this folder open to everyone; the socket lives in it.
  chmodSync(dir, 0o700);
  const signingKey = ensureSigningKey(join(dir, 'signing-key.json'));
  const socketPath = join(dir, 'cognito.sock');
  rmSync(socketPath, { force: true });
  writeFileSync(
    join(dir, '.cognito', 'config.json'),
    JSON.stringify(
      // cognito-local's own issuer and key never leave it: the proxy signs the tokens people get.
      { TokenConfig: { IssuerDomain: 'http://cognito-local.invalid' }, ServerConfig: { port: socketPath } },
      null,
      2,
    ),
  );
  const bin = require.resolve('cognito-local/lib/bin/start.js');
  const child = spawn(process.execPath, [bin], {
    cwd: dir,
    env: { ...process.env, DEBUG: '', NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  captureCodes(child, outbox);
  const client = new CognitoIdentityProviderClient({
    endpoint: 'http://cognito-local.invalid',
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: new NodeHttpHandler({ httpAgent: unixSocketAgent(socketPath) }),
  });
  try {
    await waitFor('cognito-local', async () => {
      if (child.exitCode !== null) throw new Error('cognito-local exited');
      await client.send(new ListUserPoolsCommand({ MaxResults: 1 }));
    });
    const ids = await ensurePool(client, join(dir, 'ids.json'));
    await client.send(
      new SetUserPoolMfaConfigCommand({
        UserPoolId: ids.userPoolId,
        MfaConfiguration: 'OPTIONAL',
        SoftwareTokenMfaConfiguration: { Enabled: true },
      }),
    );
    return {
      socketPath,
      signingKey,
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
