import { useState } from 'react';
import { authErrorMessage, type AuthStep } from './auth';

/**
 * The busy and error state every auth form shares: run one Cognito step, hand its outcome to
 * `onStep`, or show what went wrong in plain language and let the person try again.
 */
export function useAuthAction(onStep: (step: AuthStep) => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  async function run(action: () => Promise<AuthStep>): Promise<void> {
    setError(undefined);
    setBusy(true);
    try {
      onStep(await action());
    } catch (err) {
      setError(authErrorMessage(err));
      setBusy(false);
    }
  }

  return { busy, error, setError, run };
}
