import { fetchAuthSession } from 'aws-amplify/auth';
import { MFA_CLAIM, MFA_TOTP } from '../../../lambda/contract/mfa';

/** The Cognito group whose members use the dispatcher console (docs/design.md §3). */
export const DISPATCHERS_GROUP = 'dispatchers';

/**
 * Who the signed-in person is, from the ID token: a dispatcher (`cognito:groups`) who signed in
 * with an authenticator app (`sightline:mfa`), a dispatcher who must set one up first, or an
 * owner. Only the page chosen depends on this; the API checks both on every dispatcher route.
 */
export async function signedInRole(): Promise<'owner' | 'dispatcher' | 'dispatcher-without-mfa'> {
  try {
    const session = await fetchAuthSession();
    const payload = session.tokens?.idToken?.payload;
    const groups = payload?.['cognito:groups'];
    if (!Array.isArray(groups) || !groups.includes(DISPATCHERS_GROUP)) return 'owner';
    return payload?.[MFA_CLAIM] === MFA_TOTP ? 'dispatcher' : 'dispatcher-without-mfa';
  } catch {
    return 'owner';
  }
}
