import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Device } from '../../../lambda/contract/types';
import { displayNameSchema, secretSchema, serialSchema } from '../../../lambda/contract/schemas';
import { ApiError, call } from '../api';
import { Field } from '../ui/field';
import { Message } from '../ui/message';
import { useNotice } from '../ui/use-notice';
import { bindErrorMessage } from './bind-errors';
import type { BindPrefill } from './bind-link';

const serialPattern = new RegExp(serialSchema.pattern);
const secretPattern = new RegExp(secretSchema.pattern);
const namePattern = new RegExp(displayNameSchema.pattern);

/** Checks the input against the contract's schemas before sending; returns a message or undefined. */
export function checkBindInput(serial: string, secret: string, name: string): string | undefined {
  if (!serial) return 'Enter the serial number from the label.';
  if (!serialPattern.test(serial)) return 'The serial number has letters, digits and dashes, like SL-0001.';
  if (!secret) return 'Enter the secret from the label.';
  if (
    secret.length < secretSchema.minLength ||
    secret.length > secretSchema.maxLength ||
    !secretPattern.test(secret)
  ) {
    return 'The secret has letters and digits in groups, like ABCDE-FGHJK-MNPQR-STVWX.';
  }
  if (name && (name.length > displayNameSchema.maxLength || !namePattern.test(name))) {
    return `The name can be up to ${displayNameSchema.maxLength} characters.`;
  }
  return undefined;
}

/** Binds a device to the signed-in owner with the serial and secret on its label. */
export function BindForm({
  prefill,
  onPrefillUsed,
  onBound,
  onUnauthorized,
  listedIds,
}: {
  /** The devices listed now: a "bound" notice goes when its device is no longer among them. */
  listedIds?: readonly string[];
  prefill?: BindPrefill;
  onPrefillUsed: () => void;
  onBound: (device: Device) => void;
  onUnauthorized: (keep: BindPrefill) => void;
}) {
  const [serial, setSerial] = useState('');
  const [secret, setSecret] = useState('');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const { notice, show: setNotice, clear: clearNotice } = useNotice();
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    if (!prefill) return;
    setSerial(prefill.serial);
    setSecret(prefill.secret);
    setError(undefined);
    setNotice(
      'We filled in the serial number and secret from the label. Add a name if you like, then press Bind device.',
    );
    onPrefillUsed();
    formRef.current?.scrollIntoView({ block: 'start' });
    formRef.current?.querySelector<HTMLInputElement>('[data-testid="bind-name"]')?.focus();
  }, [prefill, onPrefillUsed, setNotice]);

  // "X is bound" is untrue once X is unbound (here or in another tab): take it away.
  useEffect(() => {
    if (notice?.about && listedIds && !listedIds.includes(notice.about)) clearNotice();
  }, [notice, listedIds, clearNotice]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    clearNotice();
    const s = serial.trim();
    const k = secret.trim();
    const n = name.trim();
    const problem = checkBindInput(s, k, n);
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    try {
      const device = await call('bindDevice', {
        body: n ? { serial: s, secret: k, name: n } : { serial: s, secret: k },
      });
      setSerial('');
      setSecret('');
      setName('');
      setNotice(`${device.name} is bound to your account.`, device.deviceId);
      onBound(device);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'UNAUTHORIZED') {
        onUnauthorized({ serial: s, secret: k });
        return;
      }
      setError(bindErrorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      ref={formRef}
      className="card stack"
      onSubmit={submit}
      noValidate
      data-testid="bind-form"
      aria-labelledby="bind-title"
    >
      <h2 id="bind-title">Bind a device</h2>
      <p className="muted">Enter the serial number and secret printed on the label of your camera.</p>
      <Field
        label="Serial number"
        autoComplete="off"
        autoCapitalize="characters"
        spellCheck={false}
        placeholder="SL-0001"
        required
        value={serial}
        onChange={(v) => {
          clearNotice();
          setSerial(v);
        }}
        testId="bind-serial"
      />
      <Field
        label="Secret"
        autoComplete="off"
        autoCapitalize="characters"
        spellCheck={false}
        placeholder="XXXXX-XXXXX-XXXXX-XXXXX"
        required
        value={secret}
        onChange={(v) => {
          clearNotice();
          setSecret(v);
        }}
        testId="bind-secret"
      />
      <Field
        label={
          <>
            Name <span className="muted">(optional)</span>
          </>
        }
        autoComplete="off"
        maxLength={displayNameSchema.maxLength}
        placeholder="Front door"
        value={name}
        onChange={(v) => {
          clearNotice();
          setName(v);
        }}
        testId="bind-name"
      />
      {error ? (
        <Message kind="error" testId="bind-error">
          {error}
        </Message>
      ) : null}
      {notice ? (
        <Message kind="notice" testId="bind-notice">
          {notice.text}
        </Message>
      ) : null}
      <button type="submit" className="primary" disabled={busy} data-testid="bind-submit">
        {busy ? 'Binding…' : 'Bind device'}
      </button>
    </form>
  );
}
