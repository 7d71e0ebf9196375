import type { WebConfig } from '../config';
import type { AuthStep } from './auth';
import { ChallengeForm } from './challenge-form';
import { ConfirmSignUpForm } from './confirm-sign-up-form';
import { SignInForm } from './sign-in-form';
import { SignUpForm } from './sign-up-form';

/** Shows the form for the current step of signing up or in. */
export function AuthScreen({
  authFlow,
  step,
  onStep,
}: {
  authFlow: WebConfig['authFlow'];
  step: Exclude<AuthStep, { kind: 'signedIn' }>;
  onStep: (step: AuthStep) => void;
}) {
  switch (step.kind) {
    case 'signIn':
      return (
        <SignInForm
          key={`${step.email ?? ''}|${step.notice ?? ''}`}
          authFlow={authFlow}
          email={step.email}
          notice={step.notice}
          onStep={onStep}
        />
      );
    case 'signUp':
      return <SignUpForm onStep={onStep} />;
    case 'confirmSignUp':
      return (
        <ConfirmSignUpForm
          authFlow={authFlow}
          email={step.email}
          password={step.password}
          destination={step.destination}
          notice={step.notice}
          onStep={onStep}
        />
      );
    case 'challenge':
      return (
        <ChallengeForm
          key={step.challenge}
          challenge={step.challenge}
          email={step.email}
          destination={step.destination}
          onStep={onStep}
        />
      );
  }
}
