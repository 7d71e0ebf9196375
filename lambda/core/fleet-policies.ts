/**
 * The device fleet's names, policies and provisioning template (docs/design.md §4), defined once: the
 * CDK deploys them, and the local cloud's IoT emulator can enforce the same documents.
 *
 * In IoT policies `*` is a wildcard and `+`/`#` are literal; `${iot:Connection.Thing.ThingName}`
 * is the thing the connecting certificate is attached to, so a device reaches only its own
 * topics. In IAM, `${credentials-iot:ThingName}` is the thing the credentials provider checked.
 */
import { MASTER_ACTIONS, type DeploymentScope, type PolicyDocumentJson } from './kvs-policies';

/** Account-and-region-wide IoT names of one stage, so two stages never take over each other's. */
export interface FleetNames {
  thingType: string;
  thingGroup: string;
  /** At most 36 characters of `[0-9A-Za-z_-]`: it appears in the provisioning topics. */
  template: string;
  devicePolicy: string;
  claimPolicy: string;
  roleAlias: string;
}

export function fleetNames(stage: string): FleetNames {
  const base = `sightline-${stage}`;
  return {
    thingType: `${base}-camera`,
    thingGroup: `${base}-cameras`,
    template: base,
    devicePolicy: `${base}-device`,
    claimPolicy: `${base}-claim`,
    roleAlias: `${base}-device-kvs`,
  };
}

/** The keys of the template's `DeviceConfiguration`, which RegisterThing returns to the device. */
export interface DeviceConfiguration {
  /** The IoT credentials provider's host (`iot:CredentialProvider`), no scheme. */
  CredentialEndpoint: string;
  /** The MQTT data host (`iot:Data-ATS`), no scheme. */
  DataEndpoint: string;
  RoleAlias: string;
  Region: string;
}

export interface IotStatementJson {
  Effect: 'Allow';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

export interface IotPolicyJson {
  Version: '2012-10-17';
  Statement: IotStatementJson[];
}

/** `arn:<partition>:iot:<region>:<account>:<resource>` */
export function iotArn(scope: DeploymentScope, resource: string): string {
  return `arn:${scope.partition}:iot:${scope.region}:${scope.account}:${resource}`;
}

const THING = '${iot:Connection.Thing.ThingName}';

/**
 * The device certificate's policy, attached by the template: connect only as its own thing (with
 * the certificate attached to it), use only its own shadow and `devices/<thing>/…` and
 * `commands/<thing>/…` topics, and exchange the certificate for KVS credentials through the one
 * role alias.
 */
export function devicePolicy(scope: DeploymentScope, roleAlias: string): IotPolicyJson {
  const shadow = `$aws/things/${THING}/shadow`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: 'iot:Connect',
        Resource: iotArn(scope, `client/${THING}`),
        Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } },
      },
      {
        Effect: 'Allow',
        Action: 'iot:Publish',
        Resource: [
          iotArn(scope, `topic/${shadow}/get`),
          iotArn(scope, `topic/${shadow}/update`),
          iotArn(scope, `topic/devices/${THING}/*`),
        ],
      },
      {
        Effect: 'Allow',
        Action: 'iot:Subscribe',
        Resource: [
          iotArn(scope, `topicfilter/${shadow}/get/*`),
          iotArn(scope, `topicfilter/${shadow}/update/*`),
          iotArn(scope, `topicfilter/commands/${THING}/*`),
        ],
      },
      {
        Effect: 'Allow',
        Action: 'iot:Receive',
        Resource: [
          iotArn(scope, `topic/${shadow}/get/*`),
          iotArn(scope, `topic/${shadow}/update/*`),
          iotArn(scope, `topic/commands/${THING}/*`),
        ],
      },
      {
        Effect: 'Allow',
        Action: 'iot:AssumeRoleWithCertificate',
        Resource: iotArn(scope, `rolealias/${roleAlias}`),
      },
    ],
  };
}

/** The topics of provisioning by claim with a CSR (the device keeps its key): request and replies. */
export function provisioningTopics(template: string): { requests: string[]; replies: string[] } {
  const requests = [
    '$aws/certificates/create-from-csr/json',
    `$aws/provisioning-templates/${template}/provision/json`,
  ];
  return { requests, replies: requests.flatMap((t) => [`${t}/accepted`, `${t}/rejected`]) };
}

/**
 * The claim certificate's policy: it may only provision. Connect as a provisioning session
 * (`prov-<serial>`), request a certificate for a CSR and register with this template, and hear
 * the replies; nothing else.
 */
export function claimPolicy(scope: DeploymentScope, template: string): IotPolicyJson {
  const { requests, replies } = provisioningTopics(template);
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: iotArn(scope, 'client/prov-*') },
      { Effect: 'Allow', Action: 'iot:Publish', Resource: requests.map((t) => iotArn(scope, `topic/${t}`)) },
      {
        Effect: 'Allow',
        Action: 'iot:Subscribe',
        Resource: replies.map((t) => iotArn(scope, `topicfilter/${t}`)),
      },
      { Effect: 'Allow', Action: 'iot:Receive', Resource: replies.map((t) => iotArn(scope, `topic/${t}`)) },
    ],
  };
}

/**
 * A camera's KVS channels, in the role its certificate is exchanged for: the channel named after
 * its own thing (channel ARNs end in a creation time, hence `/*`).
 */
export function deviceChannels(scope: DeploymentScope): string {
  return `arn:${scope.partition}:kinesisvideo:${scope.region}:${scope.account}:channel/\${credentials-iot:ThingName}/*`;
}

/**
 * The device role's policy: the master's actions on its own channel only. The cloud creates the
 * channel when the device registers, so the device needs no CreateSignalingChannel.
 */
export function deviceRolePolicy(scope: DeploymentScope): PolicyDocumentJson {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: [...MASTER_ACTIONS], Resource: deviceChannels(scope) }],
  };
}

/**
 * The fleet provisioning template body. The device sends `SerialNumber` and `ProvisioningProof`
 * (declared so that it is one of the template's parameters wherever AWS IoT looks; only the hook
 * reads it); the pre-provisioning hook answers with the registry's `ThingName` (and the serial as
 * stored). The thing joins this
 * stage's type and group, the new certificate is activated and gets the device policy by name,
 * and `DeviceConfiguration` tells the device where and how to get KVS credentials.
 */
export function provisioningTemplateBody(input: {
  names: FleetNames;
  deviceConfiguration: DeviceConfiguration;
}): Record<string, unknown> {
  const { names, deviceConfiguration } = input;
  return {
    Parameters: {
      SerialNumber: { Type: 'String' },
      ProvisioningProof: { Type: 'String' },
      ThingName: { Type: 'String' },
      'AWS::IoT::Certificate::Id': { Type: 'String' },
    },
    Resources: {
      thing: {
        Type: 'AWS::IoT::Thing',
        Properties: {
          ThingName: { Ref: 'ThingName' },
          ThingTypeName: names.thingType,
          ThingGroups: [names.thingGroup],
          AttributePayload: { serial: { Ref: 'SerialNumber' } },
        },
        // A device that provisions again (after a crash) keeps its thing.
        OverrideSettings: { AttributePayload: 'MERGE', ThingTypeName: 'REPLACE', ThingGroups: 'DO_NOTHING' },
      },
      certificate: {
        Type: 'AWS::IoT::Certificate',
        Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' },
      },
      policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: names.devicePolicy } },
    },
    DeviceConfiguration: { ...deviceConfiguration },
  };
}
