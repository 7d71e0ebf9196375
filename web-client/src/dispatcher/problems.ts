import { ApiError } from '../api';

/** Plain words for what the dispatcher API answers. */
export function dispatcherProblem(err: unknown): string {
  if (!(err instanceof ApiError)) return 'Something went wrong. Please try again.';
  switch (err.code) {
    case 'NO_CREDITS':
      return 'Your organisation has no SMS credits left. Ask an administrator to add credits.';
    case 'COUNTRY_NOT_ALLOWED':
      return 'Invites to that country are not allowed for your organisation.';
    case 'INVITE_ACTIVE':
      return 'This number already has an active invite. Use it, or revoke it first.';
    // The API's `detail` is written for developers (it names fields): never show it to people.
    case 'INVALID_REQUEST':
      return 'Sightline could not accept that. Check what you entered and try again.';
    case 'THROTTLED':
    case 'TOO_MANY_ATTEMPTS':
      return `Too many invites at once. Try again${err.retryAfter ? ` in ${err.retryAfter} s` : ' shortly'}.`;
    case 'NOT_FOUND':
      return 'This invite no longer exists.';
    case 'INVITE_REVOKED':
    case 'INVITE_EXPIRED':
    case 'INVITE_ENDED':
      return err.title;
    case 'FORBIDDEN':
      return 'You are not allowed to do this. Are you signed in as a dispatcher?';
    case 'MFA_REQUIRED':
      return 'Sign out, then sign in again with the code from your authenticator app.';
    case 'NETWORK_ERROR':
      return 'Could not reach Sightline. Check your connection.';
    default:
      return err.title;
  }
}
