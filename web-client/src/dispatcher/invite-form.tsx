import { useId, useState, type FormEvent } from 'react';
import type { CreateInviteRequest, Invite } from '../../../lambda/contract/types';
import { ApiError, call } from '../api';
import { Field } from '../ui/field';
import { Message } from '../ui/message';
import { defaultCountry, offeredCountries, toE164, type CountryCode } from './phone';
import { dispatcherProblem } from './problems';

type Locale = NonNullable<CreateInviteRequest['locale']>;
const LOCALES: { code: Locale; name: string }[] = [
  { code: 'en', name: 'English' },
  { code: 'fr', name: 'French' },
  { code: 'nl', name: 'Dutch' },
  { code: 'de', name: 'German' },
  { code: 'es', name: 'Spanish' },
];

/** Sends an invite by SMS: the caller's number (with a country hint), a reference, a language. */
export function InviteForm({
  allowedCountries,
  onCreated,
  onUnauthorized,
}: {
  /** The countries the organisation may text, once the console knows them. */
  allowedCountries?: readonly string[];
  onCreated: (invite: Invite) => void;
  onUnauthorized: () => void;
}) {
  const countryId = useId();
  const localeId = useId();
  const offered = offeredCountries(allowedCountries);
  const [picked, setCountry] = useState<CountryCode>();
  // The person's pick while it is offered, else the browser's region or the first offered.
  const country = offered.some((c) => c.code === picked)
    ? picked
    : defaultCountry(navigator.languages, offered);
  const [phone, setPhone] = useState('');
  const [reference, setReference] = useState('');
  const [locale, setLocale] = useState<Locale>(() => {
    const base = navigator.language.split('-')[0] as Locale;
    return LOCALES.some((l) => l.code === base) ? base : 'en';
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [sent, setSent] = useState<string>();

  const e164 = toE164(phone, country);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSent(undefined);
    if (!e164) {
      setError('Enter the caller’s mobile number, with its country.');
      return;
    }
    // The API takes a reference on one line; checked here so that the API's "invalid" can only be
    // about the number.
    if ([...reference.trim()].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
      setError('The reference must be on one line, without tabs.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const invite = await call('createInvite', {
        body: { phoneNumber: e164, locale, ...(reference.trim() ? { reference: reference.trim() } : {}) },
      });
      setPhone('');
      setReference('');
      setSent(`Invite sent to ${invite.phoneNumberMasked}.`);
      onCreated(invite);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'UNAUTHORIZED') onUnauthorized();
      setError(
        // The only part of an invite the API can refuse as invalid here is the number: a landline,
        // or a number no phone has.
        err instanceof ApiError && err.code === 'INVALID_REQUEST'
          ? 'That number cannot receive text messages. Enter the caller’s mobile number, with its country.'
          : dispatcherProblem(err),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="card stack invite-form"
      onSubmit={(e) => void submit(e)}
      noValidate
      data-testid="invite-form"
    >
      <h2>Invite a caller</h2>
      <div className="row">
        <div className="field">
          <label htmlFor={countryId}>Country</label>
          <select
            id={countryId}
            value={country ?? ''}
            onChange={(e) => setCountry(e.target.value as CountryCode)}
            data-testid="invite-country"
          >
            {offered.map((c) => (
              <option key={c.code} value={c.code}>
                {c.name} (+{c.dial})
              </option>
            ))}
          </select>
        </div>
        <Field
          label="Mobile number"
          type="tel"
          inputMode="tel"
          autoComplete="off"
          required
          value={phone}
          onChange={setPhone}
          hint={e164 ? `The SMS goes to ${e164}.` : 'As the caller gives it; a leading 0 is fine.'}
          testId="invite-phone"
        />
      </div>
      <div className="row">
        <Field
          label="Reference (optional)"
          maxLength={64}
          autoComplete="off"
          value={reference}
          onChange={setReference}
          hint="Your incident number. The caller sees it."
          testId="invite-reference"
        />
        <div className="field">
          <label htmlFor={localeId}>Caller’s language</label>
          <select
            id={localeId}
            value={locale}
            onChange={(e) => setLocale(e.target.value as Locale)}
            data-testid="invite-locale"
          >
            {LOCALES.map((l) => (
              <option key={l.code} value={l.code}>
                {l.name}
              </option>
            ))}
          </select>
        </div>
      </div>
      {error ? (
        <Message kind="error" testId="invite-error">
          {error}
        </Message>
      ) : null}
      {sent ? (
        <Message kind="notice" testId="invite-sent">
          {sent}
        </Message>
      ) : null}
      <button type="submit" className="primary" disabled={busy} data-testid="invite-submit">
        {busy ? 'Sending…' : 'Send invite by SMS'}
      </button>
    </form>
  );
}
