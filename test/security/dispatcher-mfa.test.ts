import {
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { MFA_CLAIM, MFA_TOTP } from '../../lambda/contract/mfa';
import { liveRoutes } from '../../lambda/contract/routes';
import { totpCode } from '../../local/totp';
import { api, cognito, newUser, outputs } from '../support/cloud';
import { claimsOf } from '../support/fuzz/tokens';
import { newDispatcher, newOrg, newUnenrolledDispatcher } from '../support/invites';

/**
 * Dispatchers see callers' video, photos and location: the API lets none of them in without a
 * second factor (an authenticator app) at sign-in, whatever the web client shows. Owners keep
 * MFA optional.
 */
describe('staff MFA', () => {
  const dispatcherRoutes = liveRoutes().filter(([, route]) => route.access === 'dispatcher');

  test('a dispatcher signed in with the password alone gets 403 MFA_REQUIRED on every dispatcher route', async () => {
    // GIVEN a dispatcher who never set up an authenticator app, signed in with the password
    const dispatcher = await newUnenrolledDispatcher((await newOrg()).orgId);
    expect(claimsOf(dispatcher.idToken)['cognito:groups']).toEqual(['dispatchers']);
    expect(dispatcherRoutes.length).toBeGreaterThan(0);
    for (const [op, route] of dispatcherRoutes) {
      // WHEN they call a route that shows callers' data
      const params = Object.fromEntries(Object.keys(route.params ?? {}).map((name) => [name, 'x']));
      const answer = await api(op, { token: dispatcher.idToken, params });
      // THEN the API refuses it, saying why
      expect({ op, status: answer.status, code: answer.json().code }).toEqual({
        op,
        status: 403,
        code: 'MFA_REQUIRED',
      });
      expect(answer.headers['content-type']).toBe('application/problem+json');
    }
  });

  test('with an authenticator app, sign-in asks for its code, and then the console works', async () => {
    // GIVEN a dispatcher with an authenticator app
    const dispatcher = await newDispatcher((await newOrg()).orgId);
    // WHEN they sign in with the password, no tokens come yet: the app's code is asked for
    const first = await cognito.send(
      new InitiateAuthCommand({
        ClientId: outputs.userPoolClientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: dispatcher.username, PASSWORD: dispatcher.password },
      }),
    );
    expect(first.ChallengeName).toBe('SOFTWARE_TOKEN_MFA');
    expect(first.AuthenticationResult).toBeUndefined();
    // a wrong code gets no tokens
    await expect(
      cognito.send(
        new RespondToAuthChallengeCommand({
          ClientId: outputs.userPoolClientId,
          ChallengeName: 'SOFTWARE_TOKEN_MFA',
          Session: first.Session,
          ChallengeResponses: {
            USERNAME: dispatcher.username,
            SOFTWARE_TOKEN_MFA_CODE: totpCode(dispatcher.totpSecret, Date.now() + 10 * 60_000),
          },
        }),
      ),
    ).rejects.toMatchObject({ name: 'CodeMismatchException' });
    // THEN signed in with the code, the ID token says so and the dispatcher routes answer
    expect(claimsOf(dispatcher.idToken)[MFA_CLAIM]).toBe(MFA_TOTP);
    const list = await api('listInvites', { token: dispatcher.idToken });
    expect(list.status).toBe(200);
  });

  test("a challenge session answers only for its own user: another user's code cannot finish it", async () => {
    const org = (await newOrg()).orgId;
    const [victim, attacker] = [await newDispatcher(org), await newDispatcher(org)];
    // GIVEN an attacker who has seen the victim's current code, but not their password, starts a
    // sign-in of their own
    const started = await cognito.send(
      new InitiateAuthCommand({
        ClientId: outputs.userPoolClientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: attacker.username, PASSWORD: attacker.password },
      }),
    );
    // WHEN they answer it in the victim's name with the victim's code, or make a session up
    for (const Session of [started.Session, 'made-up-session']) {
      await expect(
        cognito.send(
          new RespondToAuthChallengeCommand({
            ClientId: outputs.userPoolClientId,
            ChallengeName: 'SOFTWARE_TOKEN_MFA',
            Session,
            ChallengeResponses: {
              USERNAME: victim.username,
              SOFTWARE_TOKEN_MFA_CODE: totpCode(victim.totpSecret),
            },
          }),
        ),
        // THEN no tokens
      ).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    }
  });

  test('an owner without MFA still signs in with the password and uses the owner routes', async () => {
    const owner = await newUser();
    expect(claimsOf(owner.idToken)[MFA_CLAIM]).toBeUndefined();
    expect((await api('listDevices', { token: owner.idToken })).status).toBe(200);
  });
});
