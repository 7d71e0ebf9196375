import { useState, type FormEvent } from 'react';
import type { WebConfig } from '../config';
import { EmailField, Field } from '../ui/field';
import { Message } from '../ui/message';
import { authErrorMessage, signInWithPassword, type AuthStep } from './auth';

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
  const [showPassword, setShowPassword] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    if (!email.trim() || !password) {
      setError('Enter your email and your password.');
      return;
    }
    setBusy(true);
    try {
      onStep(await signInWithPassword(email.trim(), password, authFlow));
    } catch (err) {
      setError(authErrorMessage(err, 'signIn'));
      setBusy(false);
    }
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
      <Field
        label="Password"
        type={showPassword ? 'text' : 'password'}
        autoComplete="current-password"
        required
        value={password}
        onChange={setPassword}
        testId="sign-in-password"
      />
      <label className="check">
        <input type="checkbox" checked={showPassword} onChange={(e) => setShowPassword(e.target.checked)} />
        Show password
      </label>
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
