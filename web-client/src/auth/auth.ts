import { Amplify } from 'aws-amplify';
import {
  confirmSignIn,
  confirmSignUp,
  getCurrentUser,
  resendSignUpCode,
  signIn,
  signOut,
  signUp,
  type SignInOutput,
} from 'aws-amplify/auth';
import type { WebConfig } from '../config';

/**
 * Sign-up and sign-in over Amplify Auth (Cognito). Tokens stay where Amplify keeps them; the rest
 * of the app only sees the steps below and plain-language messages.
 */

export function configureAuth(config: WebConfig): void {
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: config.userPoolId,
        userPoolClientId: config.userPoolClientId,
        ...(config.cognitoEndpoint ? { userPoolEndpoint: config.cognitoEndpoint } : {}),
      },
    },
  });
}

/** A code or answer Cognito asks for after the password. */
export type Challenge = 'TOTP' | 'SMS' | 'EMAIL' | 'NEW_PASSWORD';

/** Where the person is in signing up or in. */
export type AuthStep =
  | { kind: 'signIn'; email?: string; notice?: string }
  | { kind: 'signUp' }
  | { kind: 'confirmSignUp'; email: string; destination?: string; password?: string; notice?: string }
  | { kind: 'challenge'; challenge: Challenge; email: string; destination?: string }
  | { kind: 'signedIn'; email: string };

/** Friendly text for every sign-in step Amplify can answer with. */
export function stepFromSignIn(output: SignInOutput, email: string, password?: string): AuthStep {
  const step = output.nextStep;
  switch (step.signInStep) {
    case 'DONE':
      return { kind: 'signedIn', email };
    case 'CONFIRM_SIGN_UP':
      return {
        kind: 'confirmSignUp',
        email,
        password,
        notice: 'Your account is not confirmed yet. Enter the code we emailed you, or send a new one.',
      };
    case 'CONFIRM_SIGN_IN_WITH_TOTP_CODE':
      return { kind: 'challenge', challenge: 'TOTP', email };
    case 'CONFIRM_SIGN_IN_WITH_SMS_CODE':
      return {
        kind: 'challenge',
        challenge: 'SMS',
        email,
        destination: step.codeDeliveryDetails?.destination,
      };
    case 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE':
      return {
        kind: 'challenge',
        challenge: 'EMAIL',
        email,
        destination: step.codeDeliveryDetails?.destination,
      };
    case 'CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED':
      return { kind: 'challenge', challenge: 'NEW_PASSWORD', email };
    case 'RESET_PASSWORD':
      throw new Error('This account needs a password reset before it can sign in. Please contact support.');
    case 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP':
    case 'CONTINUE_SIGN_IN_WITH_EMAIL_SETUP':
    case 'CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION':
    case 'CONTINUE_SIGN_IN_WITH_MFA_SELECTION':
      throw new Error(
        'This account must set up two-step sign-in, which this page cannot do yet. Please contact support.',
      );
    default:
      throw new Error(`Sign-in needs a step this page does not support yet (${step.signInStep}).`);
  }
}

export async function signInWithPassword(
  email: string,
  password: string,
  authFlow: WebConfig['authFlow'],
): Promise<AuthStep> {
  try {
    const output = await signIn({ username: email, password, options: { authFlowType: authFlow } });
    return stepFromSignIn(output, email, password);
  } catch (err) {
    // A session left over from another tab: use it, unless it belongs to someone else.
    if (errorName(err) === 'UserAlreadyAuthenticatedException') {
      const current = await currentUserEmail();
      if (current && current.toLowerCase() === email.toLowerCase())
        return { kind: 'signedIn', email: current };
      await signOut();
      return signInWithPassword(email, password, authFlow);
    }
    throw err;
  }
}

export async function answerChallenge(email: string, answer: string): Promise<AuthStep> {
  return stepFromSignIn(await confirmSignIn({ challengeResponse: answer }), email);
}

/** Signs up with the email as the user name, so people sign in with their email. */
export async function signUpWithEmail(email: string, password: string): Promise<AuthStep> {
  const out = await signUp({ username: email, password, options: { userAttributes: { email } } });
  if (out.nextStep.signUpStep === 'CONFIRM_SIGN_UP') {
    return {
      kind: 'confirmSignUp',
      email,
      password,
      destination: out.nextStep.codeDeliveryDetails.destination,
    };
  }
  return { kind: 'signIn', email, notice: 'Your account is ready. Sign in to continue.' };
}

export async function confirmEmail(email: string, code: string): Promise<void> {
  await confirmSignUp({ username: email, confirmationCode: code });
}

export async function resendCode(email: string): Promise<string | undefined> {
  const out = await resendSignUpCode({ username: email });
  return out.destination;
}

/** The signed-in person's email (their sign-in name), or undefined when signed out. */
export async function currentUserEmail(): Promise<string | undefined> {
  try {
    const user = await getCurrentUser();
    return user.signInDetails?.loginId ?? user.username;
  } catch {
    return undefined;
  }
}

export { signOut };

function errorName(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}

/** Plain-language text for the errors Cognito and Amplify throw. */
export function authErrorMessage(err: unknown): string {
  const name = errorName(err);
  const message = err instanceof Error ? err.message : String(err);
  switch (name) {
    case 'NotAuthorizedException':
      return /attempts exceeded/i.test(message)
        ? 'Too many failed sign-in attempts. Wait a few minutes and try again.'
        : 'The email or password is not right.';
    case 'UserNotFoundException':
      return 'The email or password is not right.';
    case 'UsernameExistsException':
      return 'An account with this email already exists. Sign in instead.';
    case 'InvalidPasswordException':
      return `That password is not allowed: ${message}`;
    case 'CodeMismatchException':
      return 'That code is not right. Check it and try again.';
    case 'ExpiredCodeException':
      return 'That code has expired. Send a new one.';
    case 'LimitExceededException':
    case 'TooManyRequestsException':
    case 'TooManyFailedAttemptsException':
      return 'Too many attempts. Wait a few minutes and try again.';
    case 'CodeDeliveryFailureException':
      return 'We could not send the code. Check the email address and try again.';
    case 'InvalidParameterException':
      return message;
    case 'NetworkError':
      return 'Could not reach the sign-in service. Check your connection and try again.';
    default:
      if (err instanceof TypeError)
        return 'Could not reach the sign-in service. Check your connection and try again.';
      return message || 'Something went wrong. Please try again.';
  }
}
