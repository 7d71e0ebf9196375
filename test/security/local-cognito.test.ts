import {
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  GetUserCommand,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOKEN_VALIDITY_SECONDS } from '../../lib/config';
import { api, cognito, httpRequest, newUser, outputs, signIn } from '../support/cloud';
import { claimsOf } from '../support/fuzz/tokens';
import { REPO_ROOT } from '../support/paths';

/**
 * The local cloud's Cognito is reachable by anyone on the machine, so it must hold to Cognito's
 * rules: an administrator's operation needs AWS credentials, the operation is read exactly as
 * Cognito reads it, tokens are signed with a key of this cloud's own, and live as the stack says.
 */
describe('the local Cognito, attacked', () => {
  /** A Cognito call as anyone can send it: no credentials, any target. */
  const raw = (target: string, body: unknown) =>
    httpRequest(outputs.cognitoEndpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': target },
      body: JSON.stringify(body),
    });
  const groupsOf = async (username: string) =>
    (
      await cognito.send(
        new AdminListGroupsForUserCommand({ UserPoolId: outputs.userPoolId, Username: username }),
      )
    ).Groups?.map((g) => g.GroupName);
  const orgIdOf = async (username: string) =>
    (
      await cognito.send(new AdminGetUserCommand({ UserPoolId: outputs.userPoolId, Username: username }))
    ).UserAttributes?.find((a) => a.Name === 'custom:orgId')?.Value;

  test('administrators’ operations without credentials are refused and change nothing', async () => {
    const victim = await newUser();
    const attempts: [string, unknown][] = [
      [
        'AdminSetUserPassword',
        {
          UserPoolId: outputs.userPoolId,
          Username: victim.username,
          Password: 'Taken-over-123!',
          Permanent: true,
        },
      ],
      [
        'AdminAddUserToGroup',
        { UserPoolId: outputs.userPoolId, Username: victim.username, GroupName: 'dispatchers' },
      ],
      ['ListUsers', { UserPoolId: outputs.userPoolId }],
      [
        'AdminUpdateUserAttributes',
        {
          UserPoolId: outputs.userPoolId,
          Username: victim.username,
          UserAttributes: [{ Name: 'custom:orgId', Value: 'org_demo' }],
        },
      ],
    ];
    for (const [op, body] of attempts) {
      const answer = await raw(`AWSCognitoIdentityProviderService.${op}`, body);
      expect({ op, status: answer.status, type: answer.json().__type }).toEqual({
        op,
        status: 403,
        type: 'MissingAuthenticationTokenException',
      });
      expect(answer.text).not.toContain(victim.username);
    }
    // The password, the groups and the attributes are as they were.
    await expect(signIn(victim.username, victim.password)).resolves.toEqual(expect.any(String));
    expect(await groupsOf(victim.username)).toEqual([]);
    expect(await orgIdOf(victim.username)).toBeUndefined();
  });

  test('an x-amz-target with a suffix, prefix or another service is an unknown operation, and changes nothing', async () => {
    const victim = await newUser();
    const body = {
      UserPoolId: outputs.userPoolId,
      Username: victim.username,
      ClientId: outputs.userPoolClientId,
      Password: 'A-good-passw0rd!',
      UserAttributes: [{ Name: 'custom:orgId', Value: 'org_demo' }],
      GroupName: 'dispatchers',
    };
    for (const target of [
      'AWSCognitoIdentityProviderService.AdminUpdateUserAttributes.SignUp',
      'AWSCognitoIdentityProviderService.AdminAddUserToGroup.InitiateAuth',
      'Anything.AdminUpdateUserAttributes',
      'AdminUpdateUserAttributes',
    ]) {
      const answer = await raw(target, body);
      expect({ target, status: answer.status, type: answer.json().__type }).toEqual({
        target,
        status: 400,
        type: 'UnknownOperationException',
      });
    }
    expect(await orgIdOf(victim.username)).toBeUndefined();
    expect(await groupsOf(victim.username)).toEqual([]);
  });

  test('the admin operations work with the platform’s own SigV4 credentials', async () => {
    const user = await newUser();
    expect(await groupsOf(user.username)).toEqual([]);
  });

  test('a token signed with the key that ships in the cognito-local package is refused', async () => {
    const owner = await newUser();
    const shipped = createPrivateKey({
      key: (
        JSON.parse(
          readFileSync(
            join(REPO_ROOT, 'node_modules', 'cognito-local', 'lib', 'keys', 'cognitoLocal.private.json'),
            'utf8',
          ),
        ) as { jwk: Record<string, string> }
      ).jwk,
      format: 'jwk',
    });
    const real = claimsOf(owner.idToken);
    const forge = (kid: string, claims: Record<string, unknown>) => {
      const head = `${Buffer.from(JSON.stringify({ kid, alg: 'RS256' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
      return `${head}.${sign('sha256', Buffer.from(head), shipped).toString('base64url')}`;
    };
    const ownKid = JSON.parse(Buffer.from(owner.idToken.split('.')[0]!, 'base64url').toString('utf8'))
      .kid as string;
    // An ID token for the gateway, made a dispatcher of the demo organisation.
    const elevated = {
      ...real,
      'cognito:groups': ['dispatchers'],
      'custom:orgId': 'org_demo',
      'sightline:mfa': 'totp',
    };
    for (const kid of ['CognitoLocal', ownKid]) {
      expect((await api('listDevices', { token: forge(kid, real) })).status).toBe(401);
      expect((await api('listInvites', { token: forge(kid, elevated) })).status).toBe(401);
    }
    // An access token for the user pool itself (cognito-local only decodes them).
    await expect(
      cognito.send(
        new GetUserCommand({
          AccessToken: forge('CognitoLocal', {
            sub: real.sub,
            client_id: outputs.userPoolClientId,
            token_use: 'access',
            username: real['cognito:username'],
            iss: real.iss,
            exp: Math.floor(Date.now() / 1000) + 3600,
          }),
        }),
      ),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException' });
  });

  test('ID and access tokens live as long as the stack says, issued by this cloud', async () => {
    const user = await newUser();
    const auth = await cognito.send(
      new InitiateAuthCommand({
        ClientId: outputs.userPoolClientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: user.username, PASSWORD: user.password },
      }),
    );
    const id = claimsOf(auth.AuthenticationResult!.IdToken!);
    const access = claimsOf(auth.AuthenticationResult!.AccessToken!);
    expect((id.exp as number) - (id.iat as number)).toBe(TOKEN_VALIDITY_SECONDS.id);
    expect((access.exp as number) - (access.iat as number)).toBe(TOKEN_VALIDITY_SECONDS.access);
    expect(auth.AuthenticationResult!.ExpiresIn).toBe(TOKEN_VALIDITY_SECONDS.access);
    expect(id.iss).toBe(`${outputs.cognitoEndpoint}/${outputs.userPoolId}`);
    // The access token still works for the user's own calls.
    const me = await cognito.send(
      new GetUserCommand({ AccessToken: auth.AuthenticationResult!.AccessToken! }),
    );
    expect(me.UserAttributes?.find((a) => a.Name === 'email')?.Value).toBe(user.username);
  });
});
