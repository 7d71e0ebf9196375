import { deploymentChannels, MASTER_ACTIONS, type PolicyDocumentJson } from '../../lambda/core/kvs-policies';
import type { PolicyDocument } from '../aws/policy';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../constants';

/**
 * The device fleet's IoT names and policies on the local cloud, as the stack defines them on AWS
 * (design.md §4, reference iot-provisioning §2.5, §6.2, §7): the claim certificate may only
 * provision; a device certificate may connect only as the thing it is attached to and use only its
 * own topics and shadow; the device role reaches only the channel named after the thing.
 */

export const TEMPLATE_NAME = 'sightline-camera';
export const ROLE_ALIAS = 'sightline-camera-kvs';
export const CLAIM_POLICY_NAME = 'sightline-camera-claim';
export const DEVICE_POLICY_NAME = 'sightline-camera-device';
export const DEVICE_ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT}:role/sightline-camera-device`;
/** The credentials provider's service principal, which the device role trusts. */
export const CREDENTIALS_PROVIDER_PRINCIPAL = 'credentials.iot.amazonaws.com';

export const IOT_ARN = `arn:aws:iot:${LOCAL_REGION}:${LOCAL_ACCOUNT}`;
// Single quotes: these are IoT policy variables, not template literals.
const THING = '${iot:Connection.Thing.ThingName}';

export const templateArn = (name: string) => `${IOT_ARN}:provisioningtemplate/${name}`;
export const roleAliasArn = (alias: string) => `${IOT_ARN}:rolealias/${alias}`;

/** The claim certificate's policy: connect as `prov-*`, and only the provisioning topics (JSON). */
export function claimPolicy(templateName: string): PolicyDocument {
  const requests = [
    '$aws/certificates/create/json',
    '$aws/certificates/create-from-csr/json',
    `$aws/provisioning-templates/${templateName}/provision/json`,
  ];
  const replies = requests.flatMap((t) => [`${t}/accepted`, `${t}/rejected`]);
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: `${IOT_ARN}:client/prov-*` },
      { Effect: 'Allow', Action: 'iot:Publish', Resource: requests.map((t) => `${IOT_ARN}:topic/${t}`) },
      {
        Effect: 'Allow',
        Action: 'iot:Subscribe',
        Resource: replies.map((t) => `${IOT_ARN}:topicfilter/${t}`),
      },
      { Effect: 'Allow', Action: 'iot:Receive', Resource: replies.map((t) => `${IOT_ARN}:topic/${t}`) },
    ],
  };
}

/** A provisioned device's policy: its own client id, shadow and topics, and its role alias. */
export function devicePolicy(roleAlias: string): PolicyDocument {
  const shadow = `$aws/things/${THING}/shadow`;
  const inbound = [`${shadow}/get/*`, `${shadow}/update/*`, `commands/${THING}/*`];
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: 'iot:Connect',
        Resource: `${IOT_ARN}:client/${THING}`,
        Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } },
      },
      {
        Effect: 'Allow',
        Action: 'iot:Publish',
        Resource: [`${shadow}/get`, `${shadow}/update`, `devices/${THING}/*`].map(
          (t) => `${IOT_ARN}:topic/${t}`,
        ),
      },
      {
        Effect: 'Allow',
        Action: 'iot:Subscribe',
        Resource: inbound.map((t) => `${IOT_ARN}:topicfilter/${t}`),
      },
      { Effect: 'Allow', Action: 'iot:Receive', Resource: inbound.map((t) => `${IOT_ARN}:topic/${t}`) },
      { Effect: 'Allow', Action: 'iot:AssumeRoleWithCertificate', Resource: roleAliasArn(roleAlias) },
    ],
  };
}

/**
 * The device role behind the role alias: the master's actions on the channel named after the
 * thing the credentials provider vouched for, within this deployment's channels.
 */
export function deviceRolePolicy(): PolicyDocumentJson {
  const channels = deploymentChannels({ partition: 'aws', region: LOCAL_REGION, account: LOCAL_ACCOUNT });
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [...MASTER_ACTIONS],
        Resource: channels.replace(/\*$/, '${credentials-iot:ThingName}/*'),
      },
    ],
  };
}
