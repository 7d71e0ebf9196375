import { useState, type FormEvent } from 'react';
import { EmailField, Field } from '../ui/field';
import { Message } from '../ui/message';
import { authErrorMessage, signUpWithEmail, type AuthStep } from './auth';
import { PasswordRules, passwordIsValid } from './password-rules';

export function SignUpForm({ onStep }: { onStep: (step: AuthStep) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [showPassword, setShowPassword] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    const address = email.trim();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address)) {
      setError('Enter a valid email address. We send a code to it.');
      return;
    }
    if (!passwordIsValid(password)) {
      setError('Choose a password that meets every rule in the list.');
      return;
    }
    setBusy(true);
    try {
      onStep(await signUpWithEmail(address, password));
    } catch (err) {
      setError(authErrorMessage(err));
      setBusy(false);
    }
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
      <Field
        label="Password"
        type={showPassword ? 'text' : 'password'}
        autoComplete="new-password"
        required
        value={password}
        onChange={setPassword}
        testId="sign-up-password"
        hint={<PasswordRules password={password} />}
      />
      <label className="check">
        <input type="checkbox" checked={showPassword} onChange={(e) => setShowPassword(e.target.checked)} />
        Show password
      </label>
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
