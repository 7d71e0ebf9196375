import { useState, type FormEvent } from 'react';
import type { WebConfig } from '../config';
import { Field } from '../ui/field';
import { Message } from '../ui/message';
import { authErrorMessage, confirmEmail, resendCode, signInWithPassword, type AuthStep } from './auth';

/** Confirms the email with the code Cognito sent, then signs in with the password just chosen. */
export function ConfirmSignUpForm({
  authFlow,
  email,
  password,
  destination: initialDestination,
  notice: initialNotice,
  onStep,
}: {
  authFlow: WebConfig['authFlow'];
  email: string;
  password?: string;
  destination?: string;
  notice?: string;
  onStep: (step: AuthStep) => void;
}) {
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState(initialNotice);
  const [sending, setSending] = useState(false);
  const destination = initialDestination ?? email;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    const trimmed = code.replace(/\s+/g, '');
    if (!trimmed) {
      setError('Enter the code from the email.');
      return;
    }
    setBusy(true);
    try {
      await confirmEmail(email, trimmed);
    } catch (err) {
      setError(authErrorMessage(err));
      setBusy(false);
      return;
    }
    if (!password) {
      onStep({ kind: 'signIn', email, notice: 'Your email is confirmed. Sign in to continue.' });
      return;
    }
    try {
      onStep(await signInWithPassword(email, password, authFlow));
    } catch (err) {
      onStep({
        kind: 'signIn',
        email,
        notice: `Your email is confirmed. ${authErrorMessage(err)}`,
      });
    }
  }

  async function resend() {
    setError(undefined);
    setNotice(undefined);
    setSending(true);
    try {
      const to = await resendCode(email);
      setNotice(`We sent a new code to ${to ?? email}.`);
    } catch (err) {
      setError(authErrorMessage(err));
    } finally {
      setSending(false);
    }
  }

  return (
    <form
      className="card stack"
      onSubmit={submit}
      noValidate
      data-testid="confirm-form"
      aria-labelledby="confirm-title"
    >
      <h2 id="confirm-title">Check your email</h2>
      <p>
        We sent a code to <strong>{destination}</strong>. Enter it below to confirm your account.
      </p>
      {notice ? (
        <Message kind="notice" testId="confirm-notice">
          {notice}
        </Message>
      ) : null}
      <Field
        label="Confirmation code"
        inputMode="numeric"
        autoComplete="one-time-code"
        required
        value={code}
        onChange={setCode}
        testId="confirm-code"
      />
      {error ? (
        <Message kind="error" testId="confirm-error">
          {error}
        </Message>
      ) : null}
      <button type="submit" className="primary" disabled={busy} data-testid="confirm-submit">
        {busy ? 'Confirming…' : 'Confirm'}
      </button>
      <div className="row">
        <button
          type="button"
          className="secondary"
          onClick={resend}
          disabled={sending}
          data-testid="confirm-resend"
        >
          {sending ? 'Sending…' : 'Send a new code'}
        </button>
        <button type="button" className="link" onClick={() => onStep({ kind: 'signIn', email })}>
          Back to sign in
        </button>
      </div>
    </form>
  );
}
