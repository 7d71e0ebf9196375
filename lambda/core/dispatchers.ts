import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';

/** The Cognito group of dispatchers (docs/design.md §3); `custom:orgId` names their organisation. */
export const DISPATCHERS_GROUP = 'dispatchers';

/**
 * Makes `email` a dispatcher of `orgId`: creates the user if needed (Cognito emails them a
 * temporary password), sets `custom:orgId` (only an admin can: the app client cannot write it),
 * and adds them to the dispatchers group. Returns whether the user was created.
 */
export async function ensureDispatcher(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  email: string,
  orgId: string,
): Promise<{ created: boolean }> {
  const exists = await cognito
    .send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: email }))
    .then(() => true)
    .catch((err: Error) => {
      if (err.name === 'UserNotFoundException') return false;
      throw err;
    });
  if (exists) {
    await cognito.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: userPoolId,
        Username: email,
        UserAttributes: [{ Name: 'custom:orgId', Value: orgId }],
      }),
    );
  } else {
    await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: email,
        DesiredDeliveryMediums: ['EMAIL'],
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'email_verified', Value: 'true' },
          { Name: 'custom:orgId', Value: orgId },
        ],
      }),
    );
  }
  await cognito.send(
    new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: email, GroupName: DISPATCHERS_GROUP }),
  );
  return { created: !exists };
}
