import { useId } from 'react';
import { LANGUAGE_NAMES, LOCALES, type Locale } from './i18n';

/** The caller's language, changeable on every screen. */
export function LanguageSwitch({
  locale,
  label,
  onChange,
}: {
  locale: Locale;
  label: string;
  onChange: (locale: Locale) => void;
}) {
  const id = useId();
  return (
    <div className="language-switch">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={locale}
        onChange={(e) => onChange(e.target.value as Locale)}
        data-testid="language"
      >
        {LOCALES.map((l) => (
          <option key={l} value={l} lang={l}>
            {LANGUAGE_NAMES[l]}
          </option>
        ))}
      </select>
    </div>
  );
}
