import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AccountRecovery,
  ClientAttributes,
  FeaturePlan,
  Mfa,
  StringAttribute,
  UserPool,
  UserPoolClient,
  UserPoolEmail,
  UserPoolGroup,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { NagSuppressions } from 'cdk-nag';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  TOKEN_VALIDITY_SECONDS,
  type CognitoEmailConfig,
  type LogLevel,
  type LogRetentionDays,
} from '../config';
import { SightlineFunction } from './sightline-function';

/** The group whose members may send invites (docs/design.md §3). */
export const DISPATCHERS_GROUP = 'dispatchers';
/** The custom attribute naming a dispatcher's organisation; read as the claim `custom:orgId`. */
export const ORG_ID_ATTRIBUTE = 'orgId';

export interface AuthProps {
  /**
   * Keep the user pool when the stack is destroyed (and protect it from deletion).
   * @default false
   */
  readonly retainData?: boolean;
  /**
   * Send Cognito's mail through SES from this sender.
   * @default Cognito's default sender
   */
  readonly email?: CognitoEmailConfig | null;
  /** How long CloudWatch keeps the pre-token-generation trigger's logs. */
  readonly logRetentionDays: LogRetentionDays;
  /** @default 'INFO' */
  readonly logLevel?: LogLevel;
}

/**
 * Sign-up and sign-in for owners and dispatchers: a Cognito user pool signed into by email, and
 * the web client's app client (SRP only, no secret).
 */
export class Auth extends Construct {
  /** The user pool; API Gateway's authorizer checks its ID tokens. */
  public readonly userPool: UserPool;
  /** The web client's app client. */
  public readonly userPoolClient: UserPoolClient;
  /** Members of this group, with a `custom:orgId`, are dispatchers. */
  public readonly dispatchersGroup: UserPoolGroup;
  /** Adds `sightline:mfa` to the ID token of a sign-in completed with TOTP (lambda/contract/mfa.ts). */
  public readonly preTokenGeneration: SightlineFunction;

  constructor(scope: Construct, id: string, props: AuthProps) {
    super(scope, id);
    const retain = props.retainData ?? false;
    this.preTokenGeneration = new SightlineFunction(this, 'PreTokenGeneration', {
      handler: 'pre-token-generation',
      description: 'Marks ID tokens whose sign-in used an authenticator app',
      logRetentionDays: props.logRetentionDays,
      ...(props.logLevel ? { logLevel: props.logLevel } : {}),
      retainLogs: retain,
      // Cognito waits at most 5 s for a trigger.
      timeout: Duration.seconds(5),
    });

    this.userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: true,
      ...(props.email
        ? {
            email: UserPoolEmail.withSES({
              fromEmail: props.email.fromEmail,
              fromName: props.email.fromName,
              sesVerifiedDomain: props.email.verifiedDomain,
              sesRegion: Stack.of(this).region,
            }),
          }
        : {}),
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      // A changed email takes effect only once the new address is verified, so an unverified
      // address never becomes the sign-in name.
      keepOriginal: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      customAttributes: {
        // Set by an administrator when a person joins an organisation; mutable for that reason,
        // and kept out of the app client's write attributes so people cannot set their own.
        [ORG_ID_ATTRIBUTE]: new StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
      },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // TOTP apps only: SMS codes cost money per message and are open to SIM swapping.
      // OPTIONAL for owners; dispatchers cannot reach callers' data without it (lambda/core/http.ts).
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { sms: false, otp: true },
      // No deviceTracking, so no remembered devices: every sign-in of a user with TOTP enabled is
      // challenged for a code, which is what the trigger's claim relies on.
      lambdaTriggers: { preTokenGeneration: this.preTokenGeneration.fn },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.ESSENTIALS,
      deletionProtection: retain,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    this.dispatchersGroup = this.userPool.addGroup('Dispatchers', {
      groupName: DISPATCHERS_GROUP,
      description: 'Call-centre dispatchers: may invite callers and watch their video',
    });

    const standard = { email: true, emailVerified: true };
    this.userPoolClient = this.userPool.addClient('WebClient', {
      // A browser cannot keep a secret.
      generateSecret: false,
      // SRP only: the password never leaves the browser. USER_PASSWORD_AUTH stays off on AWS;
      // only the local cloud's cognito-local needs it.
      authFlows: { userSrp: true },
      // The SPA signs in with the API above, not the hosted UI, so no OAuth flows at all (CDK
      // would otherwise enable the implicit grant with a placeholder callback URL).
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.seconds(TOKEN_VALIDITY_SECONDS.id),
      accessTokenValidity: Duration.seconds(TOKEN_VALIDITY_SECONDS.access),
      refreshTokenValidity: Duration.seconds(TOKEN_VALIDITY_SECONDS.refresh),
      readAttributes: new ClientAttributes()
        .withStandardAttributes(standard)
        .withCustomAttributes(ORG_ID_ATTRIBUTE),
      writeAttributes: new ClientAttributes().withStandardAttributes({ email: true }),
    });

    // The trigger reads a user's MFA settings. A policy of its own, attached after the pool
    // exists, because the pool already depends on the function (its trigger).
    this.preTokenGeneration.role.attachInlinePolicy(
      new Policy(this, 'PreTokenGenerationReadsUsers', {
        statements: [
          new PolicyStatement({
            actions: ['cognito-idp:AdminGetUser'],
            resources: [this.userPool.userPoolArn],
          }),
        ],
      }),
    );

    NagSuppressions.addResourceSuppressions(this.userPool, [
      {
        id: 'AwsSolutions-COG2',
        reason:
          'MFA is OPTIONAL (TOTP) by design: owners sign themselves up, and requiring an authenticator app would shut out people without one. Dispatchers are held to TOTP by the API (the sightline:mfa claim, lambda/core/http.ts).',
      },
      {
        id: 'AwsSolutions-COG8',
        reason:
          'The Plus feature plan (threat protection) is billed per monthly active user; the Essentials plan is chosen for cost. Revisit with the security issue.',
      },
    ]);
  }
}
