import { fetchAuthSession, setUpTOTP, updateMFAPreference, verifyTOTPSetup } from 'aws-amplify/auth';
import { toDataURL } from 'qrcode';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { authErrorMessage, currentUserEmail, signOut } from '../auth/auth';
import { Field } from '../ui/field';
import { Message } from '../ui/message';
import { TopBar } from '../ui/top-bar';

/**
 * A dispatcher without an authenticator app sets one up here before the console opens: the API
 * shows callers' data only to a dispatcher who signed in with one (MFA_REQUIRED otherwise).
 * AssociateSoftwareToken gives the key, VerifySoftwareToken proves the app has it, and
 * SetUserMFAPreference turns it on; from then on every sign-in asks for the app's code.
 */
export function TotpSetup({ onDone }: { onDone: () => void }) {
  const [email, setEmail] = useState<string>();
  const [secret, setSecret] = useState<string>();
  const [uri, setUri] = useState<string>();
  const [qr, setQr] = useState<string>();
  const [code, setCode] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  // One key per visit: a second AssociateSoftwareToken would replace the key already shown.
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void (async () => {
      try {
        const who = await currentUserEmail();
        setEmail(who);
        const details = await setUpTOTP();
        const link = details.getSetupUri('Sightline', who).toString();
        setSecret(details.sharedSecret);
        setUri(link);
        setQr(await toDataURL(link, { margin: 1, width: 220 }));
      } catch (err) {
        setError(authErrorMessage(err));
      }
    })();
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const value = code.replace(/\s+/g, '');
    if (!/^\d{6}$/.test(value)) {
      setError('Enter the 6-digit code from your authenticator app.');
      return;
    }
    setBusy(true);
    try {
      await verifyTOTPSetup({ code: value });
      await updateMFAPreference({ totp: 'PREFERRED' });
      // New tokens, which now say this account signs in with an authenticator app.
      await fetchAuthSession({ forceRefresh: true });
      onDone();
    } catch (err) {
      setError(authErrorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <TopBar email={email} onSignOut={signOut} />
      <main className="page stack" id="main">
        <form
          className="card stack"
          onSubmit={submit}
          noValidate
          data-testid="totp-setup"
          aria-labelledby="totp-title"
        >
          <h1 id="totp-title">Set up two-step sign-in</h1>
          <p>
            Dispatchers see callers’ video, photos and location, so they sign in with a code from an
            authenticator app as well as their password. Scan this code with the app, or enter the key by
            hand.
          </p>
          {qr ? <img src={qr} alt="QR code for your authenticator app" width="220" height="220" /> : null}
          {secret ? (
            <p>
              Key: <code data-testid="totp-secret">{secret}</code>
              {uri ? (
                <>
                  {' '}
                  (<a href={uri}>open in an authenticator app</a>)
                </>
              ) : null}
            </p>
          ) : (
            <p className="muted" role="status">
              Preparing your key…
            </p>
          )}
          <Field
            label="Code from your app"
            type="text"
            inputMode="numeric"
            autoComplete="one-time-code"
            required
            value={code}
            onChange={setCode}
            testId="totp-code"
          />
          {error ? (
            <Message kind="error" testId="totp-error">
              {error}
            </Message>
          ) : null}
          <button type="submit" className="primary" disabled={busy || !secret} data-testid="totp-submit">
            {busy ? 'Checking…' : 'Turn on two-step sign-in'}
          </button>
        </form>
      </main>
    </>
  );
}
