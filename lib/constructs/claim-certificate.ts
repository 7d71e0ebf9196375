import { Aws, CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { CfnPolicy, CfnPolicyPrincipalAttachment } from 'aws-cdk-lib/aws-iot';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import type { IotPolicyJson } from '../../lambda/core/fleet-policies';
import type { LogLevel, LogRetentionDays } from '../config';
import { SightlineFunction } from './sightline-function';

export interface ClaimCertificateProps {
  /** The claim policy's name (account-wide, so per stage). */
  readonly policyName: string;
  /** The claim policy: provisioning only (`lambda/core/fleet-policies.ts`). */
  readonly policy: IotPolicyJson;
  /**
   * Change it to issue a new claim certificate, for a new manufacturing batch. The old one is
   * retired at once, so rotate only when every device of the old batch has provisioned.
   * @default '1'
   */
  readonly rotation?: string;
  readonly logRetentionDays: LogRetentionDays;
  readonly logLevel?: LogLevel;
  /**
   * Keep the function's logs when the stack is destroyed.
   * @default false
   */
  readonly retainLogs?: boolean;
}

const HANDLER_TIMEOUT = Duration.minutes(2);

/**
 * The fleet's claim certificate (docs/design.md §1, journey 2): made by AWS IoT through a custom
 * resource whose function puts the certificate and its private key straight into a Secrets
 * Manager secret, so the key never passes through CloudFormation. The claim policy is attached
 * to it. The same resource reads the IoT endpoints devices need, for which CloudFormation has no
 * attribute. The operator images devices from the secret.
 */
export class ClaimCertificate extends Construct {
  /** Holds `{ certificateId, certificatePem, privateKey }` as JSON. */
  public readonly secret: Secret;
  public readonly policy: CfnPolicy;
  public readonly certificateId: string;
  public readonly certificateArn: string;
  /** The IoT credentials provider's host (`iot:CredentialProvider`). */
  public readonly credentialEndpoint: string;
  /** The MQTT data host (`iot:Data-ATS`). */
  public readonly dataEndpoint: string;

  constructor(scope: Construct, id: string, props: ClaimCertificateProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.secret = new Secret(this, 'Secret', {
      description: 'The device fleet claim certificate and private key (PEM), for imaging devices',
      // A claim key is worth nothing once its certificate is deleted with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    NagSuppressions.addResourceSuppressions(this.secret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          "The secret holds an IoT claim certificate's key, which Secrets Manager cannot rotate by itself: rotation is a new certificate, issued by changing the construct's `rotation` once the old batch has provisioned.",
      },
    ]);

    const fn = new SightlineFunction(this, 'Handler', {
      handler: 'claim-certificate',
      description: 'Sightline: the device fleet claim certificate (custom resource)',
      logRetentionDays: props.logRetentionDays,
      logLevel: props.logLevel,
      retainLogs: props.retainLogs,
      timeout: HANDLER_TIMEOUT,
    });
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['secretsmanager:PutSecretValue'], resources: [this.secret.secretArn] }),
    );
    // None of these supports a resource narrower than `*` (Service Authorization Reference).
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['iot:CreateKeysAndCertificate', 'iot:DescribeEndpoint', 'iot:ListAttachedPolicies'],
        resources: ['*'],
      }),
    );
    // The certificate's id is AWS IoT's to choose, so its ARN is not known before it exists.
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['iot:UpdateCertificate', 'iot:DeleteCertificate', 'iot:DetachPolicy'],
        resources: [`arn:${Aws.PARTITION}:iot:${stack.region}:${stack.account}:cert/*`],
      }),
    );
    NagSuppressions.addResourceSuppressions(
      fn.role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'CreateKeysAndCertificate, DescribeEndpoint and ListAttachedPolicies take no resource; the claim certificate\'s id is chosen by AWS IoT at creation, so retiring it is allowed on certificates ("cert/*") of this account and region.',
          appliesTo: ['Resource::*', { regex: '/^Resource::arn:<AWS::Partition>:iot:.*:cert/\\*$/' }],
        },
      ],
      true,
    );

    const resource = new CustomResource(this, 'Resource', {
      serviceToken: fn.fn.functionArn,
      resourceType: 'Custom::IotClaimCertificate',
      properties: { SecretArn: this.secret.secretArn, Rotation: props.rotation ?? '1' },
      // The function answers before its own timeout; this bounds a crash at load.
      serviceTimeout: HANDLER_TIMEOUT.plus(Duration.minutes(1)),
    });
    // The function's permissions must outlive the resource, so that Delete can retire it.
    resource.node.addDependency(fn);
    this.certificateId = resource.getAttString('CertificateId');
    this.certificateArn = resource.getAttString('CertificateArn');
    this.credentialEndpoint = resource.getAttString('CredentialEndpoint');
    this.dataEndpoint = resource.getAttString('DataEndpoint');

    this.policy = new CfnPolicy(this, 'Policy', {
      policyName: props.policyName,
      policyDocument: props.policy,
    });
    new CfnPolicyPrincipalAttachment(this, 'PolicyAttachment', {
      policyName: this.policy.ref,
      principal: this.certificateArn,
    });
  }
}
