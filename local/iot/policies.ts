import {
  claimPolicy as fleetClaimPolicy,
  devicePolicy as fleetDevicePolicy,
  deviceRolePolicy as fleetDeviceRolePolicy,
  fleetNames,
  iotArn,
} from '../../lambda/core/fleet-policies';
import type { PolicyDocument } from '../aws/policy';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../constants';

/**
 * The device fleet's IoT names and policies on the local cloud: the very documents the stack
 * deploys (`lambda/core/fleet-policies.ts`), for the local stage. The claim certificate may only
 * provision; a device certificate may connect only as the thing it is attached to and use only its
 * own topics and shadow; the device role reaches only the channel named after the thing.
 */

const SCOPE = { partition: 'aws', region: LOCAL_REGION, account: LOCAL_ACCOUNT };
export const FLEET = fleetNames('local');
export const TEMPLATE_NAME = FLEET.template;
export const ROLE_ALIAS = FLEET.roleAlias;
export const CLAIM_POLICY_NAME = FLEET.claimPolicy;
export const DEVICE_POLICY_NAME = FLEET.devicePolicy;
export const DEVICE_ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT}:role/sightline-local-device`;
/** The credentials provider's service principal, which the device role trusts. */
export const CREDENTIALS_PROVIDER_PRINCIPAL = 'credentials.iot.amazonaws.com';

export const IOT_ARN = iotArn(SCOPE, '').replace(/:$/, '');

export const templateArn = (name: string) => iotArn(SCOPE, `provisioningtemplate/${name}`);
export const roleAliasArn = (alias: string) => iotArn(SCOPE, `rolealias/${alias}`);

export const claimPolicy = (): PolicyDocument => fleetClaimPolicy(SCOPE, TEMPLATE_NAME);
export const devicePolicy = (): PolicyDocument => fleetDevicePolicy(SCOPE, ROLE_ALIAS);
export const deviceRolePolicy = (): PolicyDocument => fleetDeviceRolePolicy(SCOPE);
