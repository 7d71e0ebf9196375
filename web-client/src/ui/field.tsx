import { useId, type InputHTMLAttributes, type ReactNode } from 'react';

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'onChange' | 'value'>;

/** A labelled input with an optional hint, wired up for screen readers. */
export function Field({
  label,
  hint,
  value,
  onChange,
  testId,
  ...input
}: InputProps & {
  label: ReactNode;
  hint?: ReactNode;
  value: string;
  onChange: (value: string) => void;
  testId?: string;
}) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-describedby={hintId}
        data-testid={testId}
        {...input}
      />
      {hint ? (
        <div className="hint" id={hintId}>
          {hint}
        </div>
      ) : null}
    </div>
  );
}

/** The email field of the sign-in and sign-up forms: no auto-capitals or spell-check on an address. */
export function EmailField(props: {
  value: string;
  onChange: (value: string) => void;
  testId: string;
  autoComplete: 'username' | 'email';
}) {
  return (
    <Field
      label="Email"
      type="email"
      inputMode="email"
      autoCapitalize="none"
      spellCheck={false}
      required
      {...props}
    />
  );
}
