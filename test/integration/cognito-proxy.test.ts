import { InitiateAuthCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { randomUUID } from 'node:crypto';
import { cognito, newUser, outputs } from '../support/cloud';

/** The local Cognito endpoint answers as Cognito does where our security model depends on it. */
describe('the local Cognito endpoint', () => {
  const signIn = (username: string, password: string) =>
    cognito.send(
      new InitiateAuthCommand({
        ClientId: outputs.userPoolClientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: username, PASSWORD: password },
      }),
    );
  const signUp = (attributes: { Name: string; Value: string }[], password = 'A-good-passw0rd!') => {
    const email = `signup-${randomUUID()}@example.com`;
    return cognito.send(
      new SignUpCommand({
        ClientId: outputs.userPoolClientId,
        Username: email,
        Password: password,
        UserAttributes: [{ Name: 'email', Value: email }, ...attributes],
      }),
    );
  };

  test('a wrong password and an unknown user get the same NotAuthorizedException', async () => {
    const user = await newUser();
    const wrong = await signIn(user.username, 'Wrong-passw0rd!').catch((e: Error) => e);
    const unknown = await signIn(`nobody-${randomUUID()}@example.com`, 'Wrong-passw0rd!').catch(
      (e: Error) => e,
    );
    for (const err of [wrong, unknown]) {
      expect(err).toMatchObject({
        name: 'NotAuthorizedException',
        message: 'Incorrect username or password.',
      });
    }
  });

  test('nobody can give themselves an organisation at sign-up', async () => {
    await expect(signUp([{ Name: 'custom:orgId', Value: 'org_demo' }])).rejects.toMatchObject({
      name: 'NotAuthorizedException',
    });
  });

  test('the password policy holds: 12 characters with upper, lower, digit and symbol', async () => {
    for (const weak of [
      'Short-1!',
      'alllowercase-123!',
      'ALLUPPERCASE-123!',
      'No-digits-here!',
      'NoSymbols12345',
    ]) {
      await expect(signUp([], weak)).rejects.toMatchObject({ name: 'InvalidPasswordException' });
    }
    await expect(signUp([])).resolves.toMatchObject({ UserConfirmed: false });
  });
});
