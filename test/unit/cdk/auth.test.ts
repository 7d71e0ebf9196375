import { Match, type Template } from 'aws-cdk-lib/assertions';
import { synthSightline } from './synth';

let template: Template;

beforeAll(() => {
  // GIVEN the stack with its default configuration
  // WHEN it is synthesized
  ({ template } = synthSightline());
});

describe('user pool', () => {
  test('people sign up themselves and sign in with a verified email', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
      UsernameAttributes: ['email'],
      UsernameConfiguration: { CaseSensitive: false },
      AutoVerifiedAttributes: ['email'],
      // An email change takes effect only once verified.
      UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ['email'] },
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
    });
  });

  test('passwords are at least 12 characters with every character class', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
    });
  });

  test('MFA is optional, by authenticator app only', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
    });
  });

  test('dispatchers are held to TOTP: a trigger marks sign-ins that used it, and no device skips the code', () => {
    // The dispatcher guard (lambda/core/http.ts) trusts sightline:mfa only because Cognito challenges
    // every sign-in of a user with TOTP enabled: a remembered device would skip the challenge.
    const [pool] = Object.values(template.findResources('AWS::Cognito::UserPool'));
    const props = pool?.Properties as Record<string, unknown>;
    expect(props.DeviceConfiguration).toBeUndefined();
    expect(props.MfaConfiguration).toBe('OPTIONAL');
    expect(props.EnabledMfas).toEqual(['SOFTWARE_TOKEN_MFA']);
    const trigger = (props.LambdaConfig as { PreTokenGeneration?: { 'Fn::GetAtt': string[] } })
      .PreTokenGeneration;
    expect(trigger?.['Fn::GetAtt']?.[0]).toMatch(/^AuthPreTokenGeneration/);
    // It may read users of this pool, and nothing else.
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: 'cognito-idp:AdminGetUser',
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AuthUserPool'), 'Arn'] },
          },
        ],
      },
      Roles: [{ Ref: Match.stringLikeRegexp('^AuthPreTokenGenerationRole') }],
    });
  });

  test('has the custom attribute orgId', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      Schema: Match.arrayWith([Match.objectLike({ Name: 'orgId', AttributeDataType: 'String' })]),
    });
  });

  test('is destroyed with the stack when data is not retained', () => {
    template.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtection: 'INACTIVE' }),
    });
  });

  test('has the dispatchers group', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', {
      GroupName: 'dispatchers',
      UserPoolId: { Ref: Match.stringLikeRegexp('^AuthUserPool') },
    });
  });
});

describe('web app client', () => {
  test('is a public client signing in with SRP only, without OAuth', () => {
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      PreventUserExistenceErrors: 'ENABLED',
      AllowedOAuthFlowsUserPoolClient: false,
      AllowedOAuthFlows: Match.absent(),
    });
  });

  test('tokens: ID and access for 1 hour, refresh for 30 days', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      IdTokenValidity: 60,
      AccessTokenValidity: 60,
      RefreshTokenValidity: 30 * 24 * 60,
      TokenValidityUnits: { IdToken: 'minutes', AccessToken: 'minutes', RefreshToken: 'minutes' },
    });
  });

  test('people can read custom:orgId but never write it', () => {
    const [client] = Object.values(template.findResources('AWS::Cognito::UserPoolClient'));
    const props = client?.Properties as { ReadAttributes: string[]; WriteAttributes: string[] };
    expect(props.ReadAttributes).toContain('custom:orgId');
    expect(props.WriteAttributes).toEqual(['email']);
    expect(props.WriteAttributes).not.toContain('custom:orgId');
  });
});
