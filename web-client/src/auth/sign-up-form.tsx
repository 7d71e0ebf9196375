import { useState, type FormEvent } from 'react';
import { EmailField } from '../ui/field';
import { Message } from '../ui/message';
import { signUpWithEmail, type AuthStep } from './auth';
import { PasswordField } from './password-field';
import { PasswordRules, passwordIsValid } from './password-rules';
import { useAuthAction } from './use-auth-action';

export function SignUpForm({ onStep }: { onStep: (step: AuthStep) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, setError, run } = useAuthAction(onStep);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const address = email.trim();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address)) {
      setError('Enter a valid email address. We send a code to it.');
      return;
    }
    if (!passwordIsValid(password)) {
      setError('Choose a password that meets every rule in the list.');
      return;
    }
    await run(() => signUpWithEmail(address, password));
  }

  return (
    <form
      className="card stack"
      onSubmit={submit}
      noValidate
      data-testid="sign-up-form"
      aria-labelledby="sign-up-title"
    >
      <h2 id="sign-up-title">Create an account</h2>
      <EmailField autoComplete="email" value={email} onChange={setEmail} testId="sign-up-email" />
      <PasswordField
        autoComplete="new-password"
        value={password}
        onChange={setPassword}
        testId="sign-up-password"
        hint={<PasswordRules password={password} />}
      />
      {error ? (
        <Message kind="error" testId="sign-up-error">
          {error}
        </Message>
      ) : null}
      <button type="submit" className="primary" disabled={busy} data-testid="sign-up-submit">
        {busy ? 'Creating your account…' : 'Create account'}
      </button>
      <p className="switch">
        <span>Already have an account?</span>
        <button
          type="button"
          className="link"
          onClick={() => onStep({ kind: 'signIn' })}
          data-testid="go-sign-in"
        >
          Sign in
        </button>
      </p>
    </form>
  );
}
