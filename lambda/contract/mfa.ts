/**
 * Staff MFA (docs/design.md §4). Cognito's ID tokens say nothing about how a person signed in, so the
 * pre-token-generation trigger (lambda/handlers/pre-token-generation.ts) adds this claim; the web client reads it to ask a
 * dispatcher to set up an authenticator app, and the
 * dispatcher guard (lambda/core/http.ts) lets no dispatcher reach callers' data without it.
 */
export const MFA_CLAIM = 'sightline:mfa';
/** The claim's value when the sign-in was completed with an authenticator app's code. */
export const MFA_TOTP = 'totp';

/**
 * Whether a user's sign-ins are completed with an authenticator app, from AdminGetUser's
 * `UserMFASettingList`. The pool's MFA is OPTIONAL and remembers no devices, so Cognito answers
 * every sign-in of a user with TOTP enabled with the SOFTWARE_TOKEN_MFA challenge and issues
 * tokens only once the code is right: a user with TOTP enabled has used it to get these tokens.
 * A refresh carries on a session that either signed in with the code or proved it while enrolling
 * (VerifySoftwareToken), so it keeps the claim.
 */
export function signsInWithTotp(mfaSettings: readonly string[] | undefined): boolean {
  return (mfaSettings ?? []).includes('SOFTWARE_TOKEN_MFA');
}
