import { useState, type FormEvent } from 'react';
import type { WebConfig } from '../config';
import { EmailField } from '../ui/field';
import { Message } from '../ui/message';
import { signInWithPassword, type AuthStep } from './auth';
import { PasswordField } from './password-field';
import { useAuthAction } from './use-auth-action';

export function SignInForm({
  authFlow,
  email: initialEmail = '',
  notice,
  onStep,
}: {
  authFlow: WebConfig['authFlow'];
  email?: string;
  notice?: string;
  onStep: (step: AuthStep) => void;
}) {
  const [email, setEmail] = useState(initialEmail);
  const [password, setPassword] = useState('');
  const { busy, error, setError, run } = useAuthAction(onStep);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!email.trim() || !password) {
      setError('Enter your email and your password.');
      return;
    }
    await run(() => signInWithPassword(email.trim(), password, authFlow));
  }

  return (
    <form
      className="card stack"
      onSubmit={submit}
      noValidate
      data-testid="sign-in-form"
      aria-labelledby="sign-in-title"
    >
      <h2 id="sign-in-title">Sign in</h2>
      {notice ? <Message kind="notice">{notice}</Message> : null}
      <EmailField autoComplete="username" value={email} onChange={setEmail} testId="sign-in-email" />
      <PasswordField
        autoComplete="current-password"
        value={password}
        onChange={setPassword}
        testId="sign-in-password"
      />
      {error ? (
        <Message kind="error" testId="sign-in-error">
          {error}
        </Message>
      ) : null}
      <button type="submit" className="primary" disabled={busy} data-testid="sign-in-submit">
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
      <p className="switch">
        <span>New to Sightline?</span>
        <button
          type="button"
          className="link"
          onClick={() => onStep({ kind: 'signUp' })}
          data-testid="go-sign-up"
        >
          Create an account
        </button>
      </p>
    </form>
  );
}
