import { Aws, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { ManagedPolicy, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  CfnPolicy,
  CfnProvisioningTemplate,
  CfnRoleAlias,
  CfnThingGroup,
  CfnThingType,
  CfnTopicRule,
} from 'aws-cdk-lib/aws-iot';
import { CfnPermission } from 'aws-cdk-lib/aws-lambda';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { PRESENCE_RULE_SQL, REFUSAL_RULE_SQL, REGISTRATION_RULE_SQL } from '../../lambda/contract/iot-events';
import {
  claimPolicy,
  devicePolicy,
  deviceRolePolicy,
  fleetNames,
  iotArn,
  provisioningTemplateBody,
  type FleetNames,
} from '../../lambda/core/fleet-policies';
import { deploymentChannels, type DeploymentScope } from '../../lambda/core/kvs-policies';
import type { LogLevel, LogRetentionDays } from '../config';
import { ClaimCertificate } from './claim-certificate';
import { SightlineFunction, type DeviceShadows } from './sightline-function';

export interface DeviceFleetProps {
  /** The deployment's stage: IoT names are account-wide, so they carry it. */
  readonly stage: string;
  /** The device registry the hook checks and the rules' handlers update. */
  readonly devicesTable: ITable;
  /**
   * Where camera refusals of unvouched viewers are recorded, and the certificates of refused
   * provisioning (for the teardown).
   */
  readonly auditTable: ITable;
  /** The invites, whose open channels the teardown deletes. */
  readonly invitesTable: ITable;
  readonly logRetentionDays: LogRetentionDays;
  readonly logLevel?: LogLevel;
  /**
   * Keep the functions' logs when the stack is destroyed (the things and channels go regardless).
   * @default false
   */
  readonly retainData?: boolean;
  /**
   * Change it to issue a new claim certificate (`ClaimCertificate.rotation`).
   * @default '1'
   */
  readonly claimRotation?: string;
}

/** The teardown may retire many devices; the custom resource waits a minute longer. */
const TEARDOWN_TIMEOUT = Duration.minutes(14);

/** Device credentials last an hour; the agent renews them before they expire. */
const DEVICE_CREDENTIAL_SECONDS = 3600;

/**
 * The camera fleet on AWS IoT (docs/design.md §1 journeys 2-3, §4): provisioning by claim with a
 * pre-provisioning hook that checks the registry, a device policy that confines each camera to
 * its own thing, KVS credentials through the credentials provider for its own channel only, and
 * topic rules that create a registered camera's channel and track whether it is online.
 * `cdk destroy` removes the devices' things, certificates and channels too.
 */
export class DeviceFleet extends Construct {
  public readonly names: FleetNames;
  public readonly claim: ClaimCertificate;
  public readonly template: CfnProvisioningTemplate;
  public readonly roleAlias: CfnRoleAlias;
  public readonly deviceRole: Role;
  public readonly devicePolicy: CfnPolicy;
  public readonly hook: SightlineFunction;
  public readonly registered: SightlineFunction;
  public readonly presence: SightlineFunction;
  public readonly teardown: SightlineFunction;
  /** The custom resource whose deletion runs the teardown. */
  public readonly teardownResource: CustomResource;
  public readonly refusals: SightlineFunction;
  /** The fleet's shadows, for the handlers that read and update them. */
  public readonly shadows: DeviceShadows;

  constructor(scope: Construct, id: string, props: DeviceFleetProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const where: DeploymentScope = { partition: Aws.PARTITION, region: stack.region, account: stack.account };
    const names = fleetNames(props.stage);
    this.names = names;
    const logs = {
      logRetentionDays: props.logRetentionDays,
      logLevel: props.logLevel,
      retainLogs: props.retainData ?? false,
    };

    // What the template needs to exist before any device provisions.
    const thingType = new CfnThingType(this, 'ThingType', {
      thingTypeName: names.thingType,
      thingTypeProperties: {
        thingTypeDescription: 'A Sightline camera',
        searchableAttributes: ['serial'],
      },
    });
    const thingGroup = new CfnThingGroup(this, 'ThingGroup', {
      thingGroupName: names.thingGroup,
      thingGroupProperties: { thingGroupDescription: `Every provisioned Sightline camera (${props.stage})` },
    });

    // Certificate → KVS credentials for the camera's own channel, through the role alias.
    this.deviceRole = new Role(this, 'DeviceRole', {
      assumedBy: new ServicePrincipal('credentials.iot.amazonaws.com'),
      description: "Cameras' KVS credentials (IoT credentials provider): master of their own channel only",
      maxSessionDuration: Duration.seconds(DEVICE_CREDENTIAL_SECONDS),
      inlinePolicies: { Kvs: PolicyDocument.fromJson(deviceRolePolicy(where)) },
    });
    NagSuppressions.addResourceSuppressions(this.deviceRole, [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          "The camera's own channel: the credentials provider fills in ${credentials-iot:ThingName}, checked against the certificate; the trailing /* is the channel's creation time, which every KVS channel ARN ends in.",
        appliesTo: [
          {
            regex:
              '/^Resource::arn:<AWS::Partition>:kinesisvideo:[a-z0-9-]+:(?:[0-9]{12}|<AWS::AccountId>):channel\\/<credentials-iot:ThingName>\\/\\*$/',
          },
        ],
      },
    ]);
    this.roleAlias = new CfnRoleAlias(this, 'RoleAlias', {
      roleAlias: names.roleAlias,
      roleArn: this.deviceRole.roleArn,
      credentialDurationSeconds: DEVICE_CREDENTIAL_SECONDS,
    });
    this.devicePolicy = new CfnPolicy(this, 'DevicePolicy', {
      policyName: names.devicePolicy,
      policyDocument: devicePolicy(where, names.roleAlias),
    });

    this.claim = new ClaimCertificate(this, 'Claim', {
      policyName: names.claimPolicy,
      policy: claimPolicy(where, names.template),
      rotation: props.claimRotation,
      ...logs,
    });

    // The hook: one read of the registry, within IoT's 5 s; a refusal's certificate is recorded.
    this.hook = new SightlineFunction(this, 'PreProvisioningHook', {
      handler: 'pre-provisioning-hook',
      description: 'Sightline: fleet provisioning pre-provisioning hook',
      timeout: Duration.seconds(5),
      memorySize: 512,
      ...logs,
    })
      .useTable(props.devicesTable, 'devices', 'read')
      .useTable(props.auditTable, 'audit', 'append');
    const templateArn = iotArn(where, `provisioningtemplate/${names.template}`);
    const hookPermission = new CfnPermission(this, 'HookInvokedByProvisioning', {
      action: 'lambda:InvokeFunction',
      functionName: this.hook.fn.functionArn,
      principal: 'iot.amazonaws.com',
      sourceArn: templateArn,
      sourceAccount: stack.account,
    });

    const provisioningRole = new Role(this, 'ProvisioningRole', {
      // AWS IoT's confused-deputy guidance: only AWS IoT acting for this account and region.
      assumedBy: new ServicePrincipal('iot.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': iotArn(where, '*') },
      }),
      description:
        'Fleet provisioning: registers things, activates certificates and attaches the device policy',
      managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSIoTThingsRegistration')],
    });
    NagSuppressions.addResourceSuppressions(provisioningRole, [
      {
        id: 'AwsSolutions-IAM4',
        reason:
          'AWSIoTThingsRegistration is the policy AWS documents for a provisioning template role; AWS IoT keeps it in step with what RegisterThing calls on the service side, which no narrower policy can be tested against outside AWS.',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSIoTThingsRegistration'],
      },
    ]);

    this.template = new CfnProvisioningTemplate(this, 'Template', {
      templateName: names.template,
      description: `Sightline cameras (${props.stage}): provisioning by claim`,
      enabled: true,
      templateType: 'FLEET_PROVISIONING',
      provisioningRoleArn: provisioningRole.roleArn,
      preProvisioningHook: { targetArn: this.hook.fn.functionArn, payloadVersion: '2020-04-01' },
      templateBody: stack.toJsonString(
        provisioningTemplateBody({
          names,
          deviceConfiguration: {
            CredentialEndpoint: this.claim.credentialEndpoint,
            DataEndpoint: this.claim.dataEndpoint,
            RoleAlias: names.roleAlias,
            Region: stack.region,
          },
        }),
      ),
    });
    this.template.node.addDependency(
      thingType,
      thingGroup,
      this.devicePolicy,
      this.roleAlias,
      hookPermission,
    );

    // Registration: a registered camera's first connection creates and records its channel.
    this.registered = new SightlineFunction(this, 'DeviceRegistered', {
      handler: 'device-registered',
      description: "Sightline: creates a registered camera's signaling channel",
      ...logs,
    }).useTable(props.devicesTable, 'devices', 'readWrite');
    this.registered.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          'kinesisvideo:DescribeSignalingChannel',
          'kinesisvideo:CreateSignalingChannel',
          'kinesisvideo:TagResource',
        ],
        resources: [deploymentChannels(where)],
      }),
    );
    suppressChannels(
      this.registered,
      "A camera's channel is named after its thing, which exists only once it registers, and ends in a creation time: so this deployment's channels (channel/*), for describing, creating and tagging only.",
    );
    const registrationRule = this.rule(
      'RegistrationRule',
      'registration',
      REGISTRATION_RULE_SQL,
      this.registered,
      props.stage,
    );

    // Presence: online and last seen from lifecycle events.
    this.presence = new SightlineFunction(this, 'DevicePresence', {
      handler: 'device-presence',
      description: 'Sightline: records whether cameras are online',
      ...logs,
    }).useTable(props.devicesTable, 'devices', 'readWrite');
    const presenceRule = this.rule('PresenceRule', 'presence', PRESENCE_RULE_SQL, this.presence, props.stage);

    // Refusals: a camera refused a viewer whose fingerprint no live session published.
    this.refusals = new SightlineFunction(this, 'DeviceRefusals', {
      handler: 'device-refusal',
      description: 'Sightline: records viewers that cameras refused',
      ...logs,
    }).useTable(props.auditTable, 'audit', 'append');
    const refusalRule = this.rule('RefusalRule', 'refusals', REFUSAL_RULE_SQL, this.refusals, props.stage);
    this.shadows = { dataEndpoint: this.claim.dataEndpoint, thingsArn: iotArn(where, 'thing/*') };

    // Teardown: on stack deletion, the things, certificates and channels devices brought, open
    // invites' channels, and the certificates of refused provisioning.
    this.teardown = new SightlineFunction(this, 'Teardown', {
      handler: 'fleet-teardown',
      description: 'Sightline: removes provisioned cameras on stack deletion (custom resource)',
      timeout: TEARDOWN_TIMEOUT,
      ...logs,
    })
      .useTable(props.devicesTable, 'devices', 'readWrite')
      .useTable(props.invitesTable, 'invites', 'read', ['byExpiry'])
      .useTable(props.auditTable, 'audit', 'read');
    const things = iotArn(where, 'thing/*');
    const certificates = iotArn(where, 'cert/*');
    for (const statement of [
      {
        actions: ['iot:ListThingsInThingGroup'],
        resources: [iotArn(where, `thinggroup/${names.thingGroup}`)],
      },
      { actions: ['iot:ListThingPrincipals', 'iot:DeleteThing'], resources: [things] },
      // Whether a refused certificate is held by a thing after all.
      { actions: ['iot:ListPrincipalThings'], resources: [certificates] },
      {
        actions: [
          'iot:DetachThingPrincipal',
          'iot:UpdateCertificate',
          'iot:DeleteCertificate',
          'iot:DetachPolicy',
        ],
        resources: [certificates, things],
      },
      // ListAttachedPolicies supports no resource narrower than `*`.
      { actions: ['iot:ListAttachedPolicies'], resources: ['*'] },
      // Cameras' channels and invites' (`invite-*`): both are this deployment's channels.
      {
        actions: ['kinesisvideo:DescribeSignalingChannel', 'kinesisvideo:DeleteSignalingChannel'],
        resources: [deploymentChannels(where)],
      },
    ]) {
      this.teardown.role.addToPrincipalPolicy(new PolicyStatement(statement));
    }
    NagSuppressions.addResourceSuppressions(
      this.teardown.role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            "Devices name their things (serials) and AWS IoT names their certificates, so neither is known at deploy time: the teardown reaches things and certificates of this account and region, finds them only through this stage's thing group, and deletes only on stack deletion. ListAttachedPolicies takes no resource. Channels: as for registration.",
          appliesTo: [
            'Resource::*',
            {
              regex:
                '/^Resource::arn:<AWS::Partition>:iot:[a-z0-9-]+:(?:[0-9]{12}|<AWS::AccountId>):(?:thing|cert)\\/\\*$/',
            },
            channelsPattern(),
          ],
        },
      ],
      true,
    );
    const teardown = new CustomResource(this, 'TeardownResource', {
      serviceToken: this.teardown.fn.functionArn,
      resourceType: 'Custom::IotFleetTeardown',
      properties: { ThingGroupName: names.thingGroup },
      // The function answers before its own timeout; this bounds a crash at load.
      serviceTimeout: TEARDOWN_TIMEOUT.plus(Duration.minutes(1)),
    });
    this.teardownResource = teardown;
    // Deleted before what it empties and what it runs with, after what lets devices register.
    teardown.node.addDependency(
      thingType,
      thingGroup,
      this.devicePolicy,
      this.roleAlias,
      this.teardown,
      props.devicesTable,
      props.invitesTable,
      props.auditTable,
    );
    for (const beforeTeardown of [this.template, registrationRule, presenceRule, refusalRule]) {
      beforeTeardown.node.addDependency(teardown);
    }
  }

  /** A topic rule invoking `target`, and the permission for that rule (and no other) to invoke it. */
  private rule(
    id: string,
    purpose: string,
    sql: string,
    target: SightlineFunction,
    stage: string,
  ): CfnTopicRule {
    // Rule names allow letters, digits and underscores only.
    const ruleName = `sightline_${stage.replace(/-/g, '_')}_${purpose}`;
    const rule = new CfnTopicRule(this, id, {
      ruleName,
      topicRulePayload: {
        description: `Sightline (${stage}): device ${purpose}`,
        sql,
        awsIotSqlVersion: '2016-03-23',
        ruleDisabled: false,
        actions: [{ lambda: { functionArn: target.fn.functionArn } }],
      },
    });
    // The rule's ARN spelled out, so the permission can exist before the rule first fires.
    const stack = Stack.of(this);
    const permission = new CfnPermission(this, `${id}Invokes`, {
      action: 'lambda:InvokeFunction',
      functionName: target.fn.functionArn,
      principal: 'iot.amazonaws.com',
      sourceArn: iotArn(
        { partition: Aws.PARTITION, region: stack.region, account: stack.account },
        `rule/${ruleName}`,
      ),
      sourceAccount: stack.account,
    });
    rule.node.addDependency(permission);
    return rule;
  }
}

function channelsPattern(): { regex: string } {
  const channels = deploymentChannels({
    partition: '<AWS::Partition>',
    region: '(?:[a-z0-9-]+|<AWS::Region>)',
    account: '(?:[0-9]{12}|<AWS::AccountId>)',
  });
  return { regex: `/^Resource::${channels.replace(/\//g, '\\/').replace(/\*/g, '\\*')}$/` };
}

function suppressChannels(fn: SightlineFunction, reason: string): void {
  NagSuppressions.addResourceSuppressions(
    fn.role,
    [{ id: 'AwsSolutions-IAM5', reason, appliesTo: [channelsPattern()] }],
    true,
  );
}
