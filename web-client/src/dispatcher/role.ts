import { fetchAuthSession } from 'aws-amplify/auth';

/** The Cognito group whose members use the dispatcher console (design.md §3). */
export const DISPATCHERS_GROUP = 'dispatchers';

/**
 * Whether the signed-in person is a dispatcher, from the ID token's `cognito:groups`. Only the
 * page chosen depends on this; the API checks the group on every dispatcher route itself.
 */
export async function isDispatcher(): Promise<boolean> {
  try {
    const session = await fetchAuthSession();
    const groups = session.tokens?.idToken?.payload['cognito:groups'];
    return Array.isArray(groups) && groups.includes(DISPATCHERS_GROUP);
  } catch {
    return false;
  }
}
