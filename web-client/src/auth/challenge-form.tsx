import { useState, type FormEvent } from 'react';
import { Field } from '../ui/field';
import { Message } from '../ui/message';
import { answerChallenge, type AuthStep, type Challenge } from './auth';
import { PasswordRules, passwordIsValid } from './password-rules';
import { useAuthAction } from './use-auth-action';

const text: Record<Challenge, { title: string; intro: (to?: string) => string; label: string }> = {
  TOTP: {
    title: 'Two-step sign-in',
    intro: () => 'Enter the 6-digit code from your authenticator app.',
    label: 'Code from your app',
  },
  SMS: {
    title: 'Two-step sign-in',
    intro: (to) => `We sent a code by text message${to ? ` to ${to}` : ''}.`,
    label: 'Code from the text message',
  },
  EMAIL: {
    title: 'Two-step sign-in',
    intro: (to) => `We sent a code by email${to ? ` to ${to}` : ''}.`,
    label: 'Code from the email',
  },
  NEW_PASSWORD: {
    title: 'Choose a new password',
    intro: () => 'Your account needs a new password before you can continue.',
    label: 'New password',
  },
};

/** Answers what Cognito asks for after the password: an MFA code, or a new password. */
export function ChallengeForm({
  challenge,
  email,
  destination,
  onStep,
}: {
  challenge: Challenge;
  email: string;
  destination?: string;
  onStep: (step: AuthStep) => void;
}) {
  const [answer, setAnswer] = useState('');
  const { busy, error, setError, run } = useAuthAction(onStep);
  const t = text[challenge];
  const isPassword = challenge === 'NEW_PASSWORD';

  async function submit(e: FormEvent) {
    e.preventDefault();
    const value = isPassword ? answer : answer.replace(/\s+/g, '');
    if (!value || (isPassword && !passwordIsValid(value))) {
      setError(isPassword ? 'Choose a password that meets every rule in the list.' : 'Enter the code.');
      return;
    }
    await run(() => answerChallenge(email, value));
  }

  return (
    <form
      className="card stack"
      onSubmit={submit}
      noValidate
      data-testid="challenge-form"
      aria-labelledby="challenge-title"
    >
      <h2 id="challenge-title">{t.title}</h2>
      <p>{t.intro(destination)}</p>
      <Field
        label={t.label}
        type={isPassword ? 'password' : 'text'}
        inputMode={isPassword ? undefined : 'numeric'}
        autoComplete={isPassword ? 'new-password' : 'one-time-code'}
        required
        value={answer}
        onChange={setAnswer}
        testId="challenge-code"
        hint={isPassword ? <PasswordRules password={answer} /> : undefined}
      />
      {error ? (
        <Message kind="error" testId="challenge-error">
          {error}
        </Message>
      ) : null}
      <button type="submit" className="primary" disabled={busy} data-testid="challenge-submit">
        {busy ? 'Checking…' : 'Continue'}
      </button>
      <button type="button" className="link" onClick={() => onStep({ kind: 'signIn', email })}>
        Back to sign in
      </button>
    </form>
  );
}
