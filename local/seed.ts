import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  AssociateSoftwareTokenCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  SetUserMFAPreferenceCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { registerNewDevice } from '../bin/manufacture';
import { newManufactureKey } from '../lambda/contract/provisioning-proof';
import type { LocalOutputs } from '../lambda/contract/types';
import { addManufactureKey, getDevice } from '../lambda/core/devices';
import { createOrganisation } from '../lambda/core/organisations';
import { formatSecret, generateSecret } from '../lambda/core/secrets';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './constants';
import { localManufactureKeyPath } from './factory';
import { totpCode } from './totp';

/** The demo world a newcomer signs in to: fixed, documented, local-only credentials. */
export const DEMO = {
  owner: { username: 'owner@example.com', password: 'Sightline-demo-1' },
  dispatcher: { username: 'dispatcher@example.com', password: 'Sightline-demo-1' },
  orgId: 'org_demo',
  serial: 'SL-DEMO-0001',
} as const;

export async function seedDemo(args: {
  cognitoEndpoint: string;
  userPoolId: string;
  userPoolClientId: string;
  demoFile: string;
  /** The local factory, where the demo camera's manufacture key is written. */
  manufactureKeysDir: string;
}): Promise<LocalOutputs['demo']> {
  const cognito = new CognitoIdentityProviderClient({
    endpoint: args.cognitoEndpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  let totpSecret: string;
  try {
    await ensureUser(cognito, args.userPoolId, DEMO.owner);
    await ensureUser(cognito, args.userPoolId, DEMO.dispatcher, [
      { Name: 'custom:orgId', Value: DEMO.orgId },
    ]);
    await cognito.send(
      new AdminAddUserToGroupCommand({
        UserPoolId: args.userPoolId,
        Username: DEMO.dispatcher.username,
        GroupName: 'dispatchers',
      }),
    );
    totpSecret = await ensureDemoTotp(
      cognito,
      args,
      join(dirname(args.demoFile), 'demo-dispatcher-totp.json'),
    );
  } finally {
    cognito.destroy();
  }
  // Kept as it is when it exists already (its credits may have been spent or topped up).
  await createOrganisation({
    orgId: DEMO.orgId,
    name: 'Demo Emergency Centre',
    smsCredits: 100,
    allowedCountries: ['BE', 'NL', 'FR', 'DE', 'ES', 'GB', 'IE', 'US'],
    inviteLifetimeSeconds: 3600,
    photoRetentionDays: 30,
    senderId: 'Sightline',
    locale: 'en',
  });
  const device = await ensureDemoDevice(args.demoFile, localManufactureKeyPath(args, DEMO.serial));
  return {
    owner: { ...DEMO.owner },
    dispatcher: { ...DEMO.dispatcher, totpSecret },
    devices: [device],
  };
}

async function ensureUser(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  user: { username: string; password: string },
  extra: { Name: string; Value: string }[] = [],
): Promise<void> {
  const exists = await cognito
    .send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: user.username }))
    .then(() => true)
    .catch(() => false);
  if (exists) return;
  await cognito.send(
    new AdminCreateUserCommand({
      UserPoolId: userPoolId,
      Username: user.username,
      MessageAction: 'SUPPRESS',
      UserAttributes: [
        { Name: 'email', Value: user.username },
        { Name: 'email_verified', Value: 'true' },
        ...extra,
      ],
    }),
  );
  await cognito.send(
    new AdminSetUserPasswordCommand({
      UserPoolId: userPoolId,
      Username: user.username,
      Password: user.password,
      Permanent: true,
    }),
  );
}

/**
 * The demo dispatcher signs in with an authenticator app, as every dispatcher must: the seed sets
 * one up the way the web client does (AssociateSoftwareToken, VerifySoftwareToken,
 * SetUserMFAPreference) and keeps its secret beside the state, where `npm start` prints it.
 */
async function ensureDemoTotp(
  cognito: CognitoIdentityProviderClient,
  args: { userPoolId: string; userPoolClientId: string },
  file: string,
): Promise<string> {
  const user = await cognito.send(
    new AdminGetUserCommand({ UserPoolId: args.userPoolId, Username: DEMO.dispatcher.username }),
  );
  const saved = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as { secret: string }).secret
    : undefined;
  if (saved && user.UserMFASettingList?.includes('SOFTWARE_TOKEN_MFA')) return saved;
  // A demo dispatcher whose secret was lost starts again from a fresh password sign-in.
  if (user.UserMFASettingList?.length) {
    throw new Error(
      `The demo dispatcher has an authenticator app whose secret is not in ${file}: start with --reset`,
    );
  }
  const auth = await cognito.send(
    new InitiateAuthCommand({
      ClientId: args.userPoolClientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: DEMO.dispatcher.username, PASSWORD: DEMO.dispatcher.password },
    }),
  );
  const accessToken = auth.AuthenticationResult!.AccessToken!;
  const { SecretCode } = await cognito.send(new AssociateSoftwareTokenCommand({ AccessToken: accessToken }));
  await cognito.send(
    new VerifySoftwareTokenCommand({
      AccessToken: accessToken,
      UserCode: totpCode(SecretCode!),
      FriendlyDeviceName: 'demo',
    }),
  );
  await cognito.send(
    new SetUserMFAPreferenceCommand({
      AccessToken: accessToken,
      SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
    }),
  );
  writeFileSync(file, JSON.stringify({ secret: SecretCode! }), { mode: 0o600 });
  return SecretCode!;
}

/**
 * The demo device, registered as the factory registers one (`bin/manufacture.ts`): its secret is
 * kept beside the state, since the registry keeps only its hash, and its manufacture key in the
 * local factory, where the demo camera's config points.
 */
async function ensureDemoDevice(
  demoFile: string,
  keyPath: string,
): Promise<{ serial: string; secret: string }> {
  const saved = existsSync(demoFile)
    ? (JSON.parse(readFileSync(demoFile, 'utf8')) as { serial: string; secret: string })
    : undefined;
  const existing = await getDevice(DEMO.serial);
  if (existing && !existing.manufactureKey) {
    // Registered by an earlier version, before devices had manufacture keys.
    const made = newManufactureKey();
    mkdirSync(dirname(keyPath), { recursive: true, mode: 0o700 });
    rmSync(keyPath, { force: true });
    writeFileSync(keyPath, made.privateKeyPem, { mode: 0o600, flag: 'wx' });
    await addManufactureKey(DEMO.serial, made.publicKey, 'local-seed');
  }
  if (saved && existing) return saved;
  const secret = formatSecret(saved?.secret ?? generateSecret());
  if (!existing) {
    // A registry that starts empty: the key of an earlier run belongs to no registered device.
    rmSync(keyPath, { force: true });
    await registerNewDevice({ serial: DEMO.serial, keyOut: keyPath, secret });
  }
  const demo = { serial: DEMO.serial, secret };
  writeFileSync(demoFile, JSON.stringify(demo, null, 2), { mode: 0o600 });
  return demo;
}
