import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  AssociateSoftwareTokenCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SetUserMFAPreferenceCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { routePath, type OperationId, routes } from '../../lambda/contract/routes';
import type { LocalOutputs } from '../../lambda/contract/types';
import { tables } from '../../lambda/core/tables';
import { localManufactureKeyPath } from '../../local/factory';
import { totpCode } from '../../local/totp';
import { TEST_OUTPUTS } from './paths';

/**
 * The shared local cloud, as tests see it: endpoints from its outputs file, a client that trusts
 * its certificate, real Cognito users, and the domain core pointed at the same DynamoDB.
 */
export const outputs: LocalOutputs = JSON.parse(readFileSync(TEST_OUTPUTS, 'utf8')) as LocalOutputs;
export const agent = new Agent({ ca: readFileSync(outputs.caCertPath) });

// Configure the domain core (imported lazily by tests) exactly as the local cloud configures it.
Object.assign(process.env, {
  AWS_REGION: outputs.region,
  AWS_ACCESS_KEY_ID: 'LOCALADMINKEY',
  AWS_SECRET_ACCESS_KEY: 'local-admin-secret',
  AWS_ENDPOINT_URL_DYNAMODB: outputs.awsEndpoints.dynamodb,
});
for (const [key, def] of Object.entries(tables)) {
  process.env[def.env] = outputs.tables[key as keyof typeof tables];
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function httpRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers = { ...init.headers };
    if (init.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(init.body));
    const req = request(url, { method: init.method ?? 'GET', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** The audit trail of one subject (`invite#<id>`, `device#<serial>`), oldest first. */
export async function auditTrail(subject: string): Promise<Record<string, unknown>[]> {
  const [{ ddb }, { QueryCommand }] = await Promise.all([
    import('../../lambda/core/clients'),
    import('@aws-sdk/lib-dynamodb'),
  ]);
  const out = await ddb.send(
    new QueryCommand({
      TableName: outputs.tables.audit,
      KeyConditionExpression: 'subject = :s',
      ExpressionAttributeValues: { ':s': subject },
    }),
  );
  return out.Items ?? [];
}

/** A GET whose body is bytes (a photo), not text. */
export function httpRequestBytes(
  url: string,
): Promise<{ status: number; body: Buffer; contentType?: string }> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks),
          contentType: res.headers['content-type'],
        }),
      );
    })
      .on('error', reject)
      .end();
  });
}

/** Calls a route of the table, the way the web client does. */
/** A DTLS fingerprint in the contract's form, every byte `byte`: for sessions no browser uses. */
export const fingerprintOfByte = (byte: number) =>
  `sha-256 ${Array.from({ length: 32 }, () => byte.toString(16).padStart(2, '0').toUpperCase()).join(':')}`;

/** The body of a session mint: the fingerprint the viewer will offer with. */
export const mintBody = (byte = 0xab) => ({ fingerprint: fingerprintOfByte(byte) });

export function api(
  op: OperationId,
  options: {
    token?: string;
    params?: Record<string, string>;
    body?: unknown;
    rawBody?: string | Buffer;
    headers?: Record<string, string>;
  } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = options.token;
  let body: string | Buffer | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['Content-Type'] ??= 'application/json';
  }
  return httpRequest(`${outputs.apiUrl}${routePath(op, options.params ?? {})}`, {
    method: routes[op].method,
    headers,
    body,
  });
}

export const cognito = new CognitoIdentityProviderClient({
  endpoint: outputs.cognitoEndpoint,
  region: outputs.region,
  credentials: { accessKeyId: 'LOCALADMINKEY', secretAccessKey: 'local-admin-secret' },
  requestHandler: new NodeHttpHandler({ httpsAgent: agent }),
});

export interface TestUser {
  username: string;
  password: string;
  sub: string;
  idToken: string;
}

/** A fresh, confirmed user signed in with USER_PASSWORD_AUTH. */
export async function newUser(attributes: { Name: string; Value: string }[] = []): Promise<TestUser> {
  const username = `user-${randomUUID()}@example.com`;
  const password = `Pw-${randomUUID()}-aA1!`;
  const created = await cognito.send(
    new AdminCreateUserCommand({
      UserPoolId: outputs.userPoolId,
      Username: username,
      MessageAction: 'SUPPRESS',
      UserAttributes: [
        { Name: 'email', Value: username },
        { Name: 'email_verified', Value: 'true' },
        ...attributes,
      ],
    }),
  );
  await cognito.send(
    new AdminSetUserPasswordCommand({
      UserPoolId: outputs.userPoolId,
      Username: username,
      Password: password,
      Permanent: true,
    }),
  );
  const sub = created.User?.Attributes?.find((a) => a.Name === 'sub')?.Value ?? '';
  return { username, password, sub, idToken: await signIn(username, password) };
}

export async function signIn(username: string, password: string): Promise<string> {
  return (await passwordAuth(username, password)).AuthenticationResult!.IdToken!;
}

/** The first step of every sign-in: USER_PASSWORD_AUTH (the local cloud's flow). */
function passwordAuth(username: string, password: string) {
  return cognito.send(
    new InitiateAuthCommand({
      ClientId: outputs.userPoolClientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: username, PASSWORD: password },
    }),
  );
}

/**
 * Sets up an authenticator app for a user as the web client does (signed in with the password:
 * AssociateSoftwareToken, VerifySoftwareToken, SetUserMFAPreference) and returns its secret.
 */
export async function setUpTotp(username: string, password: string): Promise<string> {
  const auth = await passwordAuth(username, password);
  const AccessToken = auth.AuthenticationResult!.AccessToken!;
  const { SecretCode } = await cognito.send(new AssociateSoftwareTokenCommand({ AccessToken }));
  await cognito.send(new VerifySoftwareTokenCommand({ AccessToken, UserCode: totpCode(SecretCode!) }));
  await cognito.send(
    new SetUserMFAPreferenceCommand({
      AccessToken,
      SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
    }),
  );
  return SecretCode!;
}

/** Signs in a user who has an authenticator app: the password, then the SOFTWARE_TOKEN_MFA code. */
export async function signInWithTotp(username: string, password: string, secret: string): Promise<string> {
  const auth = await passwordAuth(username, password);
  if (auth.ChallengeName !== 'SOFTWARE_TOKEN_MFA')
    throw new Error(`Expected the TOTP challenge, got ${auth.ChallengeName}`);
  const answer = await cognito.send(
    new RespondToAuthChallengeCommand({
      ClientId: outputs.userPoolClientId,
      ChallengeName: 'SOFTWARE_TOKEN_MFA',
      Session: auth.Session,
      ChallengeResponses: { USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: totpCode(secret) },
    }),
  );
  return answer.AuthenticationResult!.IdToken!;
}

/**
 * Registers a new device in the shared registry, as `npm run devices -- add` does: a label
 * secret, and a manufacture key written to the local factory, where a local agent's config and
 * `provision()` find it. The answer is exactly a bind request's body.
 */
export async function newDevice(): Promise<{ serial: string; secret: string }> {
  const { registerNewDevice } = await import('../../bin/manufacture');
  const serial = `T-${randomUUID().slice(0, 18).toUpperCase()}`;
  const { secret } = await registerNewDevice({
    serial,
    keyOut: localManufactureKeyPath(outputs.iot, serial),
  });
  return { serial, secret };
}

export async function readDevice(serial: string) {
  const { getDevice } = await import('../../lambda/core/devices');
  return getDevice(serial);
}
