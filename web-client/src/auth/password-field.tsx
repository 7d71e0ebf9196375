import { useState, type ReactNode } from 'react';
import { Field } from '../ui/field';

/** A password input with a "show password" switch, for signing in and for choosing one. */
export function PasswordField({
  label = 'Password',
  autoComplete,
  value,
  onChange,
  testId,
  hint,
}: {
  label?: string;
  autoComplete: 'current-password' | 'new-password';
  value: string;
  onChange: (value: string) => void;
  testId: string;
  hint?: ReactNode;
}) {
  const [shown, setShown] = useState(false);
  return (
    <>
      <Field
        label={label}
        type={shown ? 'text' : 'password'}
        autoComplete={autoComplete}
        required
        value={value}
        onChange={onChange}
        testId={testId}
        hint={hint}
      />
      <label className="check">
        <input type="checkbox" checked={shown} onChange={(e) => setShown(e.target.checked)} />
        Show password
      </label>
    </>
  );
}
