import {
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import type { PreTokenGenerationTriggerEvent } from 'aws-lambda';
import { logger } from '../core/logger';
import { MFA_CLAIM, MFA_TOTP, signsInWithTotp } from '../contract/mfa';

/** Its endpoint comes from the SDK's configuration, as every client's (lambda/core/clients.ts). */
const cognito = new CognitoIdentityProviderClient({});

/**
 * Cognito's pre-token-generation trigger: adds `sightline:mfa` to the ID token of a user whose
 * sign-in is completed with an authenticator app (see lambda/core/mfa.ts). The trigger event
 * itself does not say which factors were used, so the user's MFA settings are read from the pool.
 * Failing closed: an error means no claim, so a dispatcher is asked to sign in again, not let in.
 */
export async function handler(
  event: PreTokenGenerationTriggerEvent,
): Promise<PreTokenGenerationTriggerEvent> {
  try {
    const user = await cognito.send(
      new AdminGetUserCommand({ UserPoolId: event.userPoolId, Username: event.userName }),
    );
    if (signsInWithTotp(user.UserMFASettingList)) {
      event.response.claimsOverrideDetails = { claimsToAddOrOverride: { [MFA_CLAIM]: MFA_TOTP } };
    }
  } catch (err) {
    logger.error('could not read the user’s MFA settings', { error: err as Error });
  }
  return event;
}
