/** The user pool's password policy, shown while the person types (design: 12+ chars, 4 classes). */

/** Cognito's special characters. */
const SYMBOL = /[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+-]/;

export const passwordRules: { id: string; text: string; test: (p: string) => boolean }[] = [
  { id: 'length', text: 'At least 12 characters', test: (p) => p.length >= 12 },
  { id: 'upper', text: 'An upper-case letter', test: (p) => /[A-Z]/.test(p) },
  { id: 'lower', text: 'A lower-case letter', test: (p) => /[a-z]/.test(p) },
  { id: 'digit', text: 'A digit', test: (p) => /[0-9]/.test(p) },
  { id: 'symbol', text: 'A symbol, such as ! ? # % or -', test: (p) => SYMBOL.test(p) },
];

export function passwordIsValid(password: string): boolean {
  return passwordRules.every((r) => r.test(password));
}

export function PasswordRules({ password, id }: { password: string; id?: string }) {
  return (
    <ul className="rules" id={id} data-testid="password-rules">
      {passwordRules.map((rule) => {
        const ok = rule.test(password);
        return (
          <li key={rule.id} className={ok ? 'rule-ok' : 'rule-todo'} data-testid={`password-rule-${rule.id}`}>
            <span aria-hidden="true" className="rule-mark">
              {ok ? '✓' : '•'}
            </span>
            {rule.text}
            <span className="visually-hidden">{ok ? ' (done)' : ' (not yet)'}</span>
          </li>
        );
      })}
    </ul>
  );
}
